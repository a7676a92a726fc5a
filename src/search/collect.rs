//! One pass over the matches that keeps the best documents of each kind, counts every kind,
//! and stops at a deadline. tantivy cannot cancel a running search, so this collector walks
//! each segment's scorer itself and checks the clock every few hundred documents: a search
//! past `search.timeout_ms` returns what it found, marked partial, instead of running on.
//! Order: score (times a mild log of popularity) descending, then the document's address, so
//! one searcher always gives the same order and offset pages neither repeat nor skip.

use super::changes::Kind;
use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as Atomic};
use std::time::Instant;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// How many documents pass between two looks at the clock.
const CLOCK_EVERY: u32 = 256;

/// A scored document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub score: Score,
    pub addr: DocAddress,
}

/// Best first; ties by address.
pub(super) fn best_first(a: &Scored, b: &Scored) -> Ordering {
    b.score.total_cmp(&a.score).then_with(|| a.addr.cmp(&b.addr))
}

/// The popularity factor of a score: mild, log-shaped.
pub(super) fn lift(popularity: f64) -> Score {
    1.0 + 0.04 * (popularity.max(0.0) as Score).ln_1p()
}

/// What a search found per kind (indexed by `Kind::ALL` order).
#[derive(Debug, Default, Clone)]
pub struct Ranking {
    pub top: [Vec<Scored>; 4],
    pub counts: [u64; 4],
    /// The deadline passed: counts and tops cover only what was seen.
    pub partial: bool,
}

/// Keeps the `keep` best of each kind among `kinds`.
pub struct Ranked {
    pub kinds: [bool; 4],
    pub keep: usize,
    pub deadline: Instant,
    /// Whether popularity tweaks the score (not when only text matters, e.g. suggestions).
    pub popularity: bool,
    expired: AtomicBool,
}

impl Ranked {
    pub fn new(kinds: &[Kind], keep: usize, deadline: Instant) -> Ranked {
        let mut mask = [false; 4];
        for k in kinds {
            mask[k.index()] = true;
        }
        Ranked { kinds: mask, keep, deadline, popularity: true, expired: AtomicBool::new(false) }
    }

    fn past_deadline(&self) -> bool {
        if self.expired.load(Atomic::Relaxed) {
            return true;
        }
        let past = Instant::now() >= self.deadline;
        if past {
            self.expired.store(true, Atomic::Relaxed);
        }
        past
    }
}

pub struct RankedSegment {
    segment: SegmentOrdinal,
    /// The segment's `kind` ordinals to `Kind` indexes.
    kinds: Vec<Option<usize>>,
    kind_column: Option<StrColumn>,
    popularity: Option<Column<f64>>,
    wanted: [bool; 4],
    keep: usize,
    top: [Vec<Scored>; 4],
    counts: [u64; 4],
    /// Per kind, the worst kept at the last trim: what does not beat it cannot be kept.
    bars: [Option<Scored>; 4],
}

impl RankedSegment {
    fn kind_of(&self, doc: DocId) -> Option<usize> {
        let column = self.kind_column.as_ref()?;
        let ord = column.term_ords(doc).next()?;
        self.kinds.get(usize::try_from(ord).ok()?).copied().flatten()
    }

    /// Trims a kind's candidates to the best `keep` once they are twice that; the worst kept.
    fn trim(list: &mut Vec<Scored>, keep: usize) -> Option<Scored> {
        if keep == 0 {
            list.clear();
        } else if list.len() >= keep * 2 {
            list.select_nth_unstable_by(keep - 1, best_first);
            list.truncate(keep);
            return list.get(keep - 1).copied();
        }
        None
    }
}

impl SegmentCollector for RankedSegment {
    type Fruit = Ranking;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(k) = self.kind_of(doc) else { return };
        if !self.wanted[k] {
            return;
        }
        self.counts[k] += 1;
        let score = match &self.popularity {
            Some(p) => score * lift(p.first(doc).unwrap_or(0.0)),
            None => score,
        };
        let scored = Scored { score, addr: DocAddress::new(self.segment, doc) };
        if self.bars[k].is_some_and(|bar| best_first(&scored, &bar) != Ordering::Less) {
            return;
        }
        let list = &mut self.top[k];
        list.push(scored);
        if let Some(bar) = Self::trim(list, self.keep) {
            self.bars[k] = Some(bar);
        }
    }

    fn harvest(mut self) -> Ranking {
        for list in &mut self.top {
            let _ = Self::trim(list, self.keep);
            list.sort_unstable_by(best_first);
            list.truncate(self.keep);
        }
        Ranking { top: self.top, counts: self.counts, partial: false }
    }
}

impl Collector for Ranked {
    type Fruit = Ranking;
    type Child = RankedSegment;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<RankedSegment> {
        let fast = reader.fast_fields();
        let kind_column = fast.str("kind")?;
        let mut kinds = Vec::new();
        if let Some(column) = &kind_column {
            let mut text = String::new();
            for ord in 0..column.num_terms() as u64 {
                text.clear();
                let found = column.ord_to_str(ord, &mut text)?;
                kinds.push(found.then(|| Kind::parse(&text).map(Kind::index)).flatten());
            }
        }
        let popularity = if self.popularity { fast.f64("popularity").ok() } else { None };
        Ok(RankedSegment {
            segment,
            kinds,
            kind_column,
            popularity,
            wanted: self.kinds,
            keep: self.keep,
            top: Default::default(),
            counts: [0; 4],
            bars: [None; 4],
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Ranking>) -> tantivy::Result<Ranking> {
        let mut all = Ranking::default();
        for f in fruits {
            for k in 0..4 {
                all.top[k].extend(f.top[k].iter().copied());
                all.counts[k] += f.counts[k];
            }
        }
        for list in &mut all.top {
            list.sort_unstable_by(best_first);
            list.truncate(self.keep);
        }
        all.partial = self.expired.load(Atomic::Relaxed);
        Ok(all)
    }

    /// The scorer walked by hand, so the clock can stop it between documents.
    fn collect_segment(&self, weight: &dyn Weight, segment: u32, reader: &SegmentReader) -> tantivy::Result<Ranking> {
        let mut collector = self.for_segment(segment, reader)?;
        if self.past_deadline() {
            return Ok(collector.harvest());
        }
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut doc = scorer.doc();
        let mut seen = 0u32;
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                collector.collect(doc, scorer.score());
            }
            seen += 1;
            if seen.is_multiple_of(CLOCK_EVERY) && self.past_deadline() {
                break;
            }
            doc = scorer.advance();
        }
        Ok(collector.harvest())
    }
}
