//! The fast path of a search of words (no phrase, no exclusion): per kind, over that kind's
//! `words` field, in two tiers the way Meilisearch orders by exactness. First the documents
//! holding every word exactly, best BM25 first (title over tags over body by term frequency),
//! found by tantivy's block-max WAND, which skips the blocks of postings that cannot reach the
//! page instead of scoring a million matches; then, only when those do not fill the page,
//! documents that match some word by a typo or as a prefix (the word's expansions, `expand.rs`).
//! Counts stop at `COUNT_EXACT_UP_TO` per kind, as far as pages reach (`cursor::MAX_REACH`):
//! beyond, they are a lower bound and say so (Elasticsearch's `track_total_hits`, Meilisearch's
//! `maxTotalHits`); counting a million matches exactly costs more than the whole page. Phrases and exclusions take the general path (`engine.rs`).
//!
//! Order within a tier: score times a mild log of popularity, then the document's address, so
//! one searcher always gives the same order and offset pages neither repeat nor skip.

use super::changes::Kind;
use super::collect::{Scored, best_first, lift};
use super::cursor::MAX_REACH;
use super::documents::access_term;
use super::engine::{Audience, Found, hit_at};
use super::expand::{MAX_EXPANSIONS, expansions};
use super::index::IndexError;
use super::query::Parsed;
use super::schema::{Fields, RESTRICTED};
use super::segment_memo::{Restricted, SegmentMemo, postings};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

/// Counts are exact up to this many matches of a kind, a lower bound beyond: as far as a
/// cursor can page.
pub const COUNT_EXACT_UP_TO: u64 = MAX_REACH as u64;
/// What a typo or prefix match of a word weighs against the word itself.
const LOOSE_WEIGHT: Score = 0.5;
/// Added to the scores of the exact tier, so any exact match outranks any loose one when
/// pages of several kinds are merged by score.
const EXACT_TIER: Score = 1000.0;
/// Documents between two looks at the clock while counting.
const CLOCK_EVERY: u64 = 256;

/// Whether `q` can take this path.
pub fn handles(q: &Parsed) -> bool {
    !q.words.is_empty() && q.phrases.is_empty() && q.excluded.is_empty()
}

/// One search of words, as the port asks it.
#[derive(Clone, Copy)]
pub struct Ask<'a> {
    pub parsed: &'a Parsed,
    pub kinds: &'a [Kind],
    pub who: &'a Audience,
    pub limit: usize,
    pub offset: usize,
    pub deadline: Instant,
    /// Suggestions: the best `limit` over every kind together, with their titles (read from
    /// the stored documents), and no counts.
    pub suggest: bool,
    pub memo: &'a SegmentMemo,
}

/// Runs `a` for each of its kinds in that kind's `text` field (`Fields::words` or
/// `Fields::titles`): `limit` hits after `offset`, and the counts.
pub fn run(searcher: &Searcher, f: &Fields, text: &[Field; 4], a: Ask<'_>) -> Result<Found, IndexError> {
    let Ask { parsed: q, kinds, who, limit, offset, deadline, suggest, memo } = a;
    let mut out = Found::default();
    let mut clock = Clock { deadline, expired: false };
    let hidden = Hidden::new(f, who).per_segment(searcher, memo)?;
    let mut pages: Vec<(Kind, Scored)> = Vec::new();
    for &kind in kinds {
        let field = text[kind.index()];
        let exact: Vec<Term> = q.words.iter().map(|w| Term::from_field_text(field, &w.term)).collect();
        let mut loose = Vec::with_capacity(q.words.len());
        for w in &q.words {
            loose.push(expansions(searcher, memo, field, w, MAX_EXPANSIONS)?);
        }
        let keep = offset + limit;
        let exact_only = all_of(&exact, &[]);
        let mut hits: Vec<Scored> = top((searcher, memo), exact_only.as_ref(), keep, &hidden, Floor::NONE, &mut clock)?
            .into_iter()
            .map(|s| Scored { score: s.score + EXACT_TIER, addr: s.addr })
            .collect();
        let any_loose = loose.iter().any(|x| !x.is_empty());
        let everything = all_of(&exact, &loose);
        if hits.len() < keep && any_loose {
            let skip: HashSet<DocAddress> = hits.iter().map(|s| s.addr).collect();
            let rest = keep - hits.len();
            let ctx = (searcher, memo);
            hits.extend(match loose.as_slice() {
                [terms] => best_of_each(ctx, terms, rest, &hidden, &skip, &mut clock)?,
                _ => top(ctx, everything.as_ref(), rest, &hidden, Floor::with_skip(&skip), &mut clock)?,
            });
        }
        pages.extend(hits.iter().skip(offset).take(limit).map(|s| (kind, *s)));
        if suggest {
            continue;
        }
        let (count, capped) = match (exact.as_slice(), loose.as_slice()) {
            // One word: its terms' document counts may already say "more than the cap".
            ([one], [more]) if surely_past(searcher, one, more, &hidden, COUNT_EXACT_UP_TO)? => {
                (COUNT_EXACT_UP_TO, true)
            }
            _ => {
                // The exact words alone are cheaper to walk than every expansion, and whatever
                // they match the whole query matches.
                let first = if any_loose {
                    count_up_to(searcher, exact_only.as_ref(), &hidden, COUNT_EXACT_UP_TO, &mut clock)?
                } else {
                    (0, false)
                };
                if first.1 {
                    first
                } else {
                    count_up_to(searcher, everything.as_ref(), &hidden, COUNT_EXACT_UP_TO, &mut clock)?
                }
            }
        };
        out.counts[kind.index()] = count;
        out.at_least[kind.index()] = capped;
    }
    if suggest {
        // Titles are read (a stored block decompressed each) for what is shown only.
        pages.sort_by(|a, b| best_first(&a.1, &b.1));
        pages.truncate(limit);
    }
    for (kind, s) in pages {
        if let Some(h) = hit_at((searcher, memo), f, kind, s.addr, s.score, suggest)? {
            out.hits[kind.index()].push(h);
        }
    }
    out.partial = clock.expired;
    Ok(out)
}

/// Whether the documents holding `exact` or one of `loose` in each segment, less every
/// document that may be deleted or hidden there, already reach `cap`: no walk needed.
fn surely_past(
    searcher: &Searcher,
    exact: &Term,
    loose: &[Term],
    hidden: &[SegmentHidden],
    cap: u64,
) -> Result<bool, IndexError> {
    let mut least = 0u64;
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let inverted = reader.inverted_index(exact.field())?;
        let mut most = 0u32;
        for t in std::iter::once(exact).chain(loose) {
            most = most.max(inverted.doc_freq(t)?);
        }
        let gone = u64::from(reader.num_deleted_docs()) + hidden.get(ord).map_or(0, SegmentHidden::most);
        least += u64::from(most).saturating_sub(gone);
        if least >= cap {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every word: exactly, or (when it has expansions) as any of them, weighed less.
fn all_of(exact: &[Term], loose: &[Vec<Term>]) -> Box<dyn Query> {
    let word = |i: usize, t: &Term| -> Box<dyn Query> {
        let exact = Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs));
        match loose.get(i) {
            Some(x) if !x.is_empty() => {
                let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, exact)];
                for t in x {
                    let q = TermQuery::new(t.clone(), IndexRecordOption::WithFreqs);
                    any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), LOOSE_WEIGHT))));
                }
                Box::new(BooleanQuery::new(any))
            }
            _ => exact,
        }
    };
    match exact {
        // One word stays a flat union of terms (or one term): what block-max WAND prunes.
        [one] => word(0, one),
        _ => Box::new(BooleanQuery::new(exact.iter().enumerate().map(|(i, t)| (Occur::Must, word(i, t))).collect())),
    }
}

/// The deadline, and whether a pass ran into it.
struct Clock {
    deadline: Instant,
    expired: bool,
}

impl Clock {
    fn past(&mut self) -> bool {
        self.expired = self.expired || Instant::now() >= self.deadline;
        self.expired
    }
}

/// Who must not see what: documents not everyone may see, unless the viewer may, and
/// documents of owners hidden by a block.
struct Hidden {
    restricted: Term,
    mine: Option<Term>,
    owners: Vec<Term>,
}

/// One segment's part of `Hidden`: the restricted documents (kept per segment by the memo),
/// the few of them this viewer may see, and the blocked owners' documents, both sorted.
struct SegmentHidden {
    restricted: Arc<Restricted>,
    mine: Vec<DocId>,
    owners: Vec<DocId>,
}

impl SegmentHidden {
    fn hides(&self, doc: DocId) -> bool {
        (self.restricted.docs.contains(doc) && self.mine.binary_search(&doc).is_err())
            || self.owners.binary_search(&doc).is_ok()
    }

    /// At most this many documents hidden.
    fn most(&self) -> u64 {
        u64::from(self.restricted.count) + self.owners.len() as u64
    }
}

impl Hidden {
    fn new(f: &Fields, who: &Audience) -> Hidden {
        Hidden {
            restricted: Term::from_field_text(f.restricted, RESTRICTED),
            mine: who.viewer.map(|v| Term::from_field_text(f.access, &access_term(v))),
            owners: who.hidden.iter().map(|h| Term::from_field_text(f.owner, &h.to_string())).collect(),
        }
    }

    /// Each segment's part, by segment ordinal.
    fn per_segment(&self, searcher: &Searcher, memo: &SegmentMemo) -> Result<Vec<SegmentHidden>, IndexError> {
        searcher.segment_readers().iter().map(|r| self.in_segment(searcher, r, memo)).collect()
    }

    fn in_segment(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        memo: &SegmentMemo,
    ) -> Result<SegmentHidden, IndexError> {
        let mine = match &self.mine {
            Some(mine) => postings(reader, mine)?,
            None => Vec::new(),
        };
        let mut owners = Vec::new();
        for owner in &self.owners {
            owners.extend(postings(reader, owner)?);
        }
        owners.sort_unstable();
        owners.dedup();
        Ok(SegmentHidden { restricted: memo.restricted(searcher, reader, &self.restricted)?, mine, owners })
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

/// What a pass of `top` leaves out: documents already found, and (lifted) scores that cannot
/// make the page anyway.
#[derive(Clone, Copy)]
struct Floor<'a> {
    skip: Option<&'a HashSet<DocAddress>>,
    /// Only scores above this count (already lifted by popularity).
    above: Score,
}

impl<'a> Floor<'a> {
    const NONE: Floor<'static> = Floor { skip: None, above: Score::MIN };

    fn with_skip(skip: &'a HashSet<DocAddress>) -> Floor<'a> {
        Floor { skip: Some(skip), above: Score::MIN }
    }
}

/// A single word's loose tier: the `keep` best documents holding one of its expansions (not
/// in `skip`), a document ranked by the best expansion it holds (as Meilisearch ranks a word
/// by its best derivation). One term at a time takes tantivy's single-term block-max path,
/// and what earlier terms found raises the bar for later ones; a union of fifty terms spent
/// most of a prefix search re-sorting its scorers. Exact: a document among the best `keep` by
/// its best expansion is among the best `keep` of that expansion's own list.
fn best_of_each(
    ctx: (&Searcher, &SegmentMemo),
    terms: &[Term],
    keep: usize,
    hidden: &[SegmentHidden],
    skip: &HashSet<DocAddress>,
    clock: &mut Clock,
) -> Result<Vec<Scored>, IndexError> {
    let mut best: HashMap<DocAddress, Score> = HashMap::new();
    let mut bar = Score::MIN;
    for t in terms {
        let query = TermQuery::new(t.clone(), IndexRecordOption::WithFreqs);
        let above = if bar > Score::MIN { bar / LOOSE_WEIGHT } else { Score::MIN };
        let floor = Floor { skip: Some(skip), above };
        for s in top(ctx, &query, keep, hidden, floor, clock)? {
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
fn top(
    (searcher, memo): (&Searcher, &SegmentMemo),
    query: &dyn Query,
    keep: usize,
    hidden: &[SegmentHidden],
    floor_at: Floor<'_>,
    clock: &mut Clock,
) -> Result<Vec<Scored>, IndexError> {
    let Floor { skip, above } = floor_at;
    if keep == 0 || clock.past() {
        return Ok(Vec::new());
    }
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut heap: BinaryHeap<Reverse<Best>> = BinaryHeap::with_capacity(keep + 1);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let segment = ord as u32;
        let excluded = hidden.get(ord);
        let alive = reader.alive_bitset();
        let columns = memo.columns(searcher, reader);
        let popularity = columns.popularity.as_ref();
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
fn count_up_to(
    searcher: &Searcher,
    query: &dyn Query,
    hidden: &[SegmentHidden],
    cap: u64,
    clock: &mut Clock,
) -> Result<(u64, bool), IndexError> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut n = 0u64;
    let mut seen = 0u64;
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let excluded = hidden.get(ord);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::{Mark, SearchStore};
    use crate::search::model::{Access, Doc};
    use crate::search::query::{Rules, parse};
    use std::time::Duration;
    use uuid::Uuid;

    #[test]
    fn counts_stop_at_the_limit_and_say_so_and_hidden_documents_never_count() {
        let dir = std::env::temp_dir().join(format!("veza-ranked-{}", Uuid::now_v7()));
        let (store, _) = SearchStore::open(&dir, Uuid::nil()).unwrap_or_else(|e| panic!("{e}"));
        let mut w = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
        let (ann, eve) = (Uuid::now_v7(), Uuid::now_v7());
        let mut number = std::collections::HashMap::new();
        for i in 0..30usize {
            let id = Uuid::now_v7();
            number.insert(id, i);
            let doc = Doc {
                kind: Kind::Track,
                id,
                title: format!("Drone {i}"),
                tags: vec![],
                body: String::new(),
                // Ten private to ann, ten of eve's, ten public.
                access: if i < 10 { Access::Only(vec![ann]) } else { Access::Everyone },
                owner: Some(if (10..20).contains(&i) { eve } else { Uuid::now_v7() }),
                popularity: 0.0,
                created: chrono::Utc::now(),
                listing: None,
            };
            w.upsert(&doc).unwrap_or_else(|e| panic!("{e}"));
        }
        w.commit(Uuid::nil(), Mark::default()).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        let searcher = store.searcher();
        let f = &store.fields;
        let parsed = parse("drone ", &Rules::default()).unwrap_or_else(|e| panic!("{e}"));
        let query = all_of(&[Term::from_field_text(f.words[Kind::Track.index()], "drone")], &[]);
        let mut clock = Clock { deadline: Instant::now() + Duration::from_secs(5), expired: false };
        let memo = SegmentMemo::default();
        let counted = |who: &Audience, cap: u64, clock: &mut Clock| {
            let hidden = Hidden::new(f, who).per_segment(&searcher, &memo).unwrap_or_else(|e| panic!("{e}"));
            count_up_to(&searcher, query.as_ref(), &hidden, cap, clock).unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(counted(&Audience::default(), 100, &mut clock), (20, false), "ann's ten are not public");
        assert_eq!(counted(&Audience { viewer: Some(ann), hidden: vec![] }, 100, &mut clock), (30, false));
        assert_eq!(counted(&Audience { viewer: Some(ann), hidden: vec![eve] }, 100, &mut clock), (20, false));
        assert_eq!(counted(&Audience::default(), 15, &mut clock), (15, true), "a lower bound past the limit");
        // Without a walk: 30 hold the word, at most 20 of them hidden (ann's ten, eve's ten).
        let drone = Term::from_field_text(f.words[Kind::Track.index()], "drone");
        let hidden = Hidden::new(f, &Audience { viewer: None, hidden: vec![eve] })
            .per_segment(&searcher, &memo)
            .unwrap_or_else(|e| panic!("{e}"));
        let past = |cap| surely_past(&searcher, &drone, &[], &hidden, cap).unwrap_or_else(|e| panic!("{e}"));
        assert!(past(10) && !past(11), "30 documents less 20 that may be hidden");
        // The whole search agrees, and its pages hold only what this viewer may see.
        let deadline = Instant::now() + Duration::from_secs(5);
        let who = Audience { viewer: None, hidden: vec![eve] };
        let ask = Ask {
            parsed: &parsed,
            kinds: &[Kind::Track],
            who: &who,
            limit: 50,
            offset: 0,
            deadline,
            suggest: false,
            memo: &memo,
        };
        let found = run(&searcher, f, &f.words, ask).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.counts[Kind::Track.index()], 10);
        let numbers: Vec<usize> = found.of(Kind::Track).iter().filter_map(|h| number.get(&h.id).copied()).collect();
        assert_eq!(numbers.len(), 10);
        assert!(numbers.iter().all(|n| *n >= 20), "{numbers:?}");
        assert!(found.of(Kind::Track).iter().all(|h| h.title.is_empty()), "stored documents are not read");
        // As suggestions: the best few over the kinds, with titles, no counts.
        let ask = Ask { kinds: &Kind::ALL, limit: 3, suggest: true, ..ask };
        let found = run(&searcher, f, &f.titles, ask).unwrap_or_else(|e| panic!("{e}"));
        let titles: Vec<&str> = found.hits.iter().flatten().map(|h| h.title.as_str()).collect();
        assert_eq!(titles.len(), 3, "{titles:?}");
        assert!(
            titles
                .iter()
                .all(|t| t.strip_prefix("Drone ").and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n >= 20))
        );
        assert_eq!(found.counts, [0; 4]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
