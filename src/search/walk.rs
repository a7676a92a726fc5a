//! Walking one kind's field over a searcher's segments, for `ranked.rs`: the best documents of
//! a query (block-max pruned), a word's loose tier one expansion at a time, and counts up to a
//! cap; hidden documents skipped, the deadline watched.
//!
//! A `Pass` reads once per search what every walk needs of each segment (its columns, its
//! hidden documents) and walks only the segments that hold the field: asking a segment for a
//! field it lacks builds an empty term dictionary every time (tantivy keeps only present ones),
//! and the small segments a live index adds hold one or two kinds. BM25's statistics come from
//! the same segments (`Bm25StatisticsProvider`), the same numbers without those detours.

use super::changes::Kind;
use super::collect::{Scored, best_first, lift};
use super::index::IndexError;
use super::segment_memo::{Columns, Restricted, SegmentMemo};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

/// What a typo or prefix match of a word weighs against the word itself.
pub const LOOSE_WEIGHT: Score = 0.5;
/// Documents between two looks at the clock while counting.
const CLOCK_EVERY: u64 = 256;

/// The deadline, and whether a pass ran into it.
pub struct Clock {
    deadline: Instant,
    pub expired: bool,
}

impl Clock {
    pub fn new(deadline: Instant) -> Clock {
        Clock { deadline, expired: false }
    }

    pub fn past(&mut self) -> bool {
        self.expired = self.expired || Instant::now() >= self.deadline;
        self.expired
    }
}

/// One segment's documents this viewer must not see: the restricted documents (kept per
/// segment by the memo), less the few of them the viewer may see, and the blocked owners'
/// documents, both sorted.
pub struct SegmentHidden {
    pub restricted: Arc<Restricted>,
    pub mine: Vec<DocId>,
    pub owners: Vec<DocId>,
}

impl SegmentHidden {
    fn hides(&self, doc: DocId) -> bool {
        (self.restricted.docs.contains(doc) && self.mine.binary_search(&doc).is_err())
            || self.owners.binary_search(&doc).is_ok()
    }

    /// At most this many documents of `kind` hidden.
    pub fn most(&self, kind: Kind) -> u64 {
        let restricted = self.restricted.per_kind.get(kind.index()).copied().unwrap_or(self.restricted.count);
        u64::from(restricted) + self.owners.len() as u64
    }
}

/// What one search reads of every segment, once: by segment ordinal.
pub struct Segments {
    hidden: Vec<SegmentHidden>,
    columns: Vec<Arc<Columns>>,
}

impl Segments {
    pub fn new(searcher: &Searcher, memo: &SegmentMemo, hidden: Vec<SegmentHidden>) -> Segments {
        let columns = searcher.segment_readers().iter().map(|r| memo.columns(searcher, r)).collect();
        Segments { hidden, columns }
    }
}

/// One segment a pass walks, with what the search read of it.
pub struct Seg<'a> {
    pub ord: u32,
    pub reader: &'a SegmentReader,
    pub hidden: Option<&'a SegmentHidden>,
    columns: Option<&'a Arc<Columns>>,
}

/// One kind's field over the searcher: the segments that hold it.
pub struct Pass<'a> {
    pub searcher: &'a Searcher,
    read: &'a Segments,
    walk: Vec<bool>,
}

impl<'a> Pass<'a> {
    pub fn new(searcher: &'a Searcher, memo: &SegmentMemo, read: &'a Segments, field: Field) -> Pass<'a> {
        let walk = searcher.segment_readers().iter().map(|r| memo.holds(searcher, r, field)).collect();
        Pass { searcher, read, walk }
    }

    /// The segments to walk.
    pub fn segments(&self) -> impl Iterator<Item = Seg<'a>> + '_ {
        let read = self.read;
        self.searcher
            .segment_readers()
            .iter()
            .enumerate()
            .filter(|(ord, _)| self.walk.get(*ord).copied().unwrap_or(false))
            .map(move |(ord, reader)| Seg {
                ord: ord as u32,
                reader,
                hidden: read.hidden.get(ord),
                columns: read.columns.get(ord),
            })
    }

    fn scoring(&self) -> EnableScoring<'_> {
        EnableScoring::enabled_from_statistics_provider(self, self.searcher)
    }
}

impl Bm25StatisticsProvider for Pass<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let mut n = 0;
        for seg in self.segments() {
            n += seg.reader.inverted_index(field)?.total_num_tokens();
        }
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut n = 0;
        for seg in self.segments() {
            n += u64::from(seg.reader.inverted_index(term.field())?.doc_freq(term)?);
        }
        Ok(n)
    }
}

/// A candidate on the heap: the greater the better (score, then the lower address).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Best(Scored);

impl Eq for Best {}

impl Ord for Best {
    fn cmp(&self, other: &Self) -> Ordering {
        // The better one is the greater: `best_first` puts it first.
        best_first(&other.0, &self.0)
    }
}

impl PartialOrd for Best {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What a walk of `top` leaves out: documents already found, and (lifted) scores that cannot
/// make the page anyway.
#[derive(Clone, Copy)]
pub struct Floor<'a> {
    skip: Option<&'a HashSet<DocAddress>>,
    /// Only scores above this count (already lifted by popularity).
    above: Score,
}

impl<'a> Floor<'a> {
    pub const NONE: Floor<'static> = Floor { skip: None, above: Score::MIN };

    pub fn with_skip(skip: &'a HashSet<DocAddress>) -> Floor<'a> {
        Floor { skip: Some(skip), above: Score::MIN }
    }
}

/// A single word's loose tier: the `keep` best documents holding one of its expansions (not
/// in `skip`), a document ranked by the best expansion it holds (as Meilisearch ranks a word
/// by its best derivation). One term at a time takes tantivy's single-term block-max path,
/// and what earlier terms found raises the bar for later ones; a union of fifty terms spent
/// most of a prefix search re-sorting its scorers. Exact: a document among the best `keep` by
/// its best expansion is among the best `keep` of that expansion's own list.
pub fn best_of_each(
    pass: &Pass<'_>,
    terms: &[Term],
    keep: usize,
    skip: &HashSet<DocAddress>,
    clock: &mut Clock,
) -> Result<Vec<Scored>, IndexError> {
    let mut best: HashMap<DocAddress, Score> = HashMap::new();
    let mut bar = Score::MIN;
    for t in terms {
        let query = TermQuery::new(t.clone(), IndexRecordOption::WithFreqs);
        let above = if bar > Score::MIN { bar / LOOSE_WEIGHT } else { Score::MIN };
        for s in top(pass, &query, keep, Floor { skip: Some(skip), above }, clock)? {
            let score = s.score * LOOSE_WEIGHT;
            best.entry(s.addr).and_modify(|b| *b = b.max(score)).or_insert(score);
        }
        if best.len() >= keep {
            let mut scores: Vec<Score> = best.values().copied().collect();
            let (_, kth, _) = scores.select_nth_unstable_by(keep - 1, |a, b| b.total_cmp(a));
            // Slightly under, so a float's rounding never drops a tie.
            bar = *kth * (1.0 - 1e-6);
        }
        if clock.expired {
            break;
        }
    }
    let mut out: Vec<Scored> = best.into_iter().map(|(addr, score)| Scored { score, addr }).collect();
    out.sort_unstable_by(best_first);
    out.truncate(keep);
    Ok(out)
}

/// The `keep` best documents `query` matches, not hidden, not left out by `floor`, best
/// first. The scorer is told the lowest raw score still worth a look (the worst kept, or the
/// floor, divided by the most popularity can lift), so it skips what cannot make the page.
pub fn top(
    pass: &Pass<'_>,
    query: &dyn Query,
    keep: usize,
    floor_at: Floor<'_>,
    clock: &mut Clock,
) -> Result<Vec<Scored>, IndexError> {
    let Floor { skip, above } = floor_at;
    if keep == 0 || clock.past() {
        return Ok(Vec::new());
    }
    let weight = query.weight(pass.scoring())?;
    let mut heap: BinaryHeap<Reverse<Best>> = BinaryHeap::with_capacity(keep + 1);
    for Seg { ord: segment, reader, hidden: excluded, columns } in pass.segments() {
        let alive = reader.alive_bitset();
        let popularity = columns.and_then(|c| c.popularity.as_ref());
        let most = popularity.map_or(1.0, |p| lift(p.max_value()));
        let floor = |heap: &BinaryHeap<Reverse<Best>>| match heap.peek() {
            // Slightly under, so a float's rounding never drops a tie.
            Some(Reverse(worst)) if heap.len() >= keep => (worst.0.score / most * (1.0 - 1e-6)).max(above / most),
            _ if above > Score::MIN => above / most,
            _ => Score::MIN,
        };
        let start = floor(&heap);
        let mut calls = 0u32;
        let mut stop = false;
        weight.for_each_pruning(start, reader, &mut |doc, score| {
            calls += 1;
            if stop || (calls.is_multiple_of(64) && clock.past()) {
                stop = true;
                return Score::MAX;
            }
            let addr = DocAddress::new(segment, doc);
            let gone = alive.is_some_and(|a| !a.is_alive(doc)) || excluded.is_some_and(|h| h.hides(doc));
            if !gone && !skip.is_some_and(|s| s.contains(&addr)) {
                let lifted = popularity.and_then(|p| p.first(doc)).map_or(1.0, lift);
                heap.push(Reverse(Best(Scored { score: score * lifted, addr })));
                if heap.len() > keep {
                    heap.pop();
                }
            }
            floor(&heap)
        })?;
        if stop {
            break;
        }
    }
    let mut best: Vec<Scored> = heap.into_iter().map(|Reverse(b)| b.0).collect();
    best.sort_unstable_by_key(|s| Reverse(Best(*s)));
    Ok(best)
}

/// How many documents `query` matches that are not hidden, up to `cap`; and whether it
/// stopped there.
pub fn count_up_to(pass: &Pass<'_>, query: &dyn Query, cap: u64, clock: &mut Clock) -> Result<(u64, bool), IndexError> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(pass.searcher))?;
    let mut n = 0u64;
    let mut seen = 0u64;
    for Seg { reader, hidden: excluded, .. } in pass.segments() {
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) && !excluded.is_some_and(|h| h.hides(doc)) {
                n += 1;
                if n >= cap {
                    return Ok((n, true));
                }
            }
            seen += 1;
            if seen.is_multiple_of(CLOCK_EVERY) && clock.past() {
                return Ok((n, false));
            }
            doc = scorer.advance();
        }
    }
    Ok((n, false))
}
