//! `GET /listings` filtered by price, category, tags and condition (the marketplace's browse:
//! active listings newest first, with facets) without walking the matches. Per segment, built
//! once (a segment never changes but for deletes): its active listings ordered by price, each
//! facet value's positions in that order, each position's facet values, and the same listings
//! newest first. A price range is then a slice `[a, b)` of positions: a facet value's count is
//! two binary searches, a price bucket's one, and the page is the first positions in `[a, b)`
//! met newest first. A category, tag, condition or currency narrows the slice to its values'
//! positions (read from their lists, intersected), counted one by one. Deleted positions are kept per
//! segment and deletion count, and taken off. At a million listings the walk read each match's
//! columns (~60 ms a request); this reads a few hundred numbers.

use super::collect_listings::{FACETS, FacetRules, Key};
use super::index::IndexError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

/// A listing's key in the newest-first order (price 0, like `KeyedSegment`), from its id columns.
pub type KeyOf<'a> = &'a dyn Fn(DocId) -> Key;

/// `FACETS` indexes.
const CATEGORY: usize = 0;
const CONDITION: usize = 1;
const TAG: usize = 2;

/// One segment's active listings.
pub struct ActiveListings {
    /// Prices ascending, and the documents in the same order (a position indexes both).
    pub(super) prices: Vec<i64>,
    pub(super) docs: Vec<DocId>,
    /// Per facet, per term ordinal: the positions of the documents holding it, ascending.
    pub(super) positions: [Vec<Vec<u32>>; 3],
    /// Per facet, per term ordinal: the value (the segment's: shared with its narrowed shelves).
    pub(super) names: Arc<[Vec<String>; 3]>,
    /// Per position, its facet values as slots (`slots[f] + term ordinal`, one counter each):
    /// `held[held_at[p]..held_at[p + 1]]`.
    held_at: Vec<u32>,
    held: Vec<u32>,
    /// Each facet's first slot, and the number of slots.
    pub(super) slots: [u32; 4],
    /// Positions, newest listing first (id descending).
    pub(super) newest: Vec<u32>,
    /// Currencies narrow but are no facet: each one's positions, ascending, and each position's.
    currencies: Currencies,
    /// The deleted positions, read once per deletion count.
    gone: Mutex<Option<GoneAt>>,
}

/// The currencies of a shelf: the codes (sorted, the segment's: shared with narrowed shelves),
/// per code its positions ascending, per position its code's index (`u32::MAX`: none).
struct Currencies {
    codes: Arc<Vec<String>>,
    positions: Vec<Vec<u32>>,
    of: Vec<u32>,
}

impl Currencies {
    fn read(reader: &SegmentReader, docs: &[DocId]) -> Result<Currencies, IndexError> {
        let column = reader.fast_fields().str("currency")?;
        let codes = column.as_ref().map_or_else(Vec::new, terms);
        let of: Vec<u32> = docs
            .iter()
            .map(|d| {
                let ord = column.as_ref().and_then(|c| c.term_ords(*d).next());
                ord.and_then(|o| u32::try_from(o).ok()).unwrap_or(u32::MAX)
            })
            .collect();
        Ok(Currencies::of_positions(Arc::new(codes), of))
    }

    fn of_positions(codes: Arc<Vec<String>>, of: Vec<u32>) -> Currencies {
        let mut positions = vec![Vec::new(); codes.len()];
        for (pos, code) in of.iter().enumerate() {
            if let Some(list) = positions.get_mut(*code as usize) {
                list.push(u32::try_from(pos).unwrap_or(u32::MAX));
            }
        }
        Currencies { codes, positions, of }
    }

    /// The positions in `[a, b)` in `code`, ascending.
    fn holding(&self, code: &str, (a, b): (usize, usize)) -> &[u32] {
        match self.codes.binary_search_by(|c| c.as_str().cmp(code)) {
            Ok(i) => within(&self.positions[i], a, b),
            Err(_) => &[],
        }
    }
}

/// A segment's deleted positions, ascending, read at this deletion count.
type GoneAt = (u32, Arc<Vec<u32>>);

/// Each segment's shelf, built on first use (each shelf keeps its deleted positions itself).
#[derive(Default)]
pub struct ActiveShelf {
    /// `None`: the segment cannot have one (a listing without a price): not tried again.
    built: Mutex<HashMap<SegmentId, Option<Arc<ActiveListings>>>>,
    /// One build at a time: requests arriving meanwhile wait for it rather than each build the
    /// same segment (a million listings take a few hundred ms).
    building: Mutex<()>,
}

/// The filter and the page asked for.
#[derive(Debug, Clone)]
pub struct PriceAsk {
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Newest first, after this key.
    pub after: Option<Key>,
    pub keep: usize,
    pub facets: Option<FacetRules>,
    /// Only listings in one of these categories (ids as indexed), when given.
    pub categories: Option<Vec<String>>,
    /// Only listings holding every one of these tags.
    pub tags: Vec<String>,
    /// Only listings in this condition, when given.
    pub condition: Option<String>,
    /// Only listings priced in this currency, when given.
    pub currency: Option<String>,
}

impl PriceAsk {
    /// Whether a category, tag, condition or currency narrows the price range.
    pub fn narrows(&self) -> bool {
        self.categories.is_some() || !self.tags.is_empty() || self.condition.is_some() || self.currency.is_some()
    }

    /// The same page by price alone (over a shelf the narrowing already made).
    pub fn by_price_alone(&self) -> PriceAsk {
        PriceAsk { categories: None, tags: Vec::new(), condition: None, currency: None, ..self.clone() }
    }

    /// The narrowing, the same text for the same set whatever the order asked in.
    pub fn narrowing(&self) -> String {
        let mut categories = self.categories.clone();
        if let Some(c) = categories.as_mut() {
            c.sort_unstable();
            c.dedup();
        }
        let mut tags = self.tags.clone();
        tags.sort_unstable();
        tags.dedup();
        format!("{categories:?}|{tags:?}|{:?}|{:?}", self.condition, self.currency)
    }
}

fn str_columns(reader: &SegmentReader) -> Result<[Option<StrColumn>; 3], IndexError> {
    let fast = reader.fast_fields();
    Ok([fast.str(FACETS[0].0)?, fast.str(FACETS[1].0)?, fast.str(FACETS[2].0)?])
}

/// A column's terms by ordinal.
fn terms(column: &StrColumn) -> Vec<String> {
    (0..column.num_terms() as u64)
        .map(|o| {
            let mut s = String::new();
            let _ = column.ord_to_str(o, &mut s);
            s
        })
        .collect()
}

/// The document's term ordinals per facet, each once (lists of positions stay strictly ascending).
fn ords_of(columns: &[Option<StrColumn>; 3], doc: DocId) -> [Vec<u64>; 3] {
    [0, 1, 2].map(|i| {
        let mut ords: Vec<u64> = columns[i].as_ref().map(|c| c.term_ords(doc).collect()).unwrap_or_default();
        ords.sort_unstable();
        ords.dedup();
        ords
    })
}

impl ActiveListings {
    /// Reads `reader`'s active listings (`docs`); `None` when one has no price (the walk
    /// counts it, and a slice by price cannot).
    fn build(reader: &SegmentReader, docs: Vec<DocId>, key: KeyOf) -> Result<Option<Self>, IndexError> {
        let fast = reader.fast_fields();
        let Ok(price) = fast.i64("price") else { return Ok(None) };
        let mut by_price = Vec::with_capacity(docs.len());
        for d in &docs {
            let Some(p) = price.first(*d) else { return Ok(None) };
            by_price.push((p, *d));
        }
        by_price.sort_unstable();
        let str_cols = str_columns(reader)?;
        let mut positions: [Vec<Vec<u32>>; 3] =
            [0, 1, 2].map(|i| vec![Vec::new(); str_cols[i].as_ref().map_or(0, |c| c.num_terms())]);
        let mut slots = [0u32; 4];
        for f in 0..3 {
            slots[f + 1] = slots[f] + u32::try_from(positions[f].len()).unwrap_or(u32::MAX);
        }
        let (mut held_at, mut held) = (Vec::with_capacity(by_price.len() + 1), Vec::new());
        for (pos, (_, d)) in by_price.iter().enumerate() {
            let pos = u32::try_from(pos).unwrap_or(u32::MAX);
            held_at.push(u32::try_from(held.len()).unwrap_or(u32::MAX));
            for (f, ords) in ords_of(&str_cols, *d).into_iter().enumerate() {
                for o in ords {
                    if let Some(list) = positions[f].get_mut(o as usize) {
                        list.push(pos);
                        held.push(slots[f] + o as u32);
                    }
                }
            }
        }
        held_at.push(u32::try_from(held.len()).unwrap_or(u32::MAX));
        let names = [0, 1, 2].map(|i| str_cols[i].as_ref().map_or_else(Vec::new, terms));
        let mut newest: Vec<(Key, u32)> = by_price
            .iter()
            .enumerate()
            .map(|(pos, (_, d))| (key(*d), u32::try_from(pos).unwrap_or(u32::MAX)))
            .collect();
        newest.sort_unstable_by_key(|n| std::cmp::Reverse(n.0));
        let in_order: Vec<DocId> = by_price.iter().map(|(_, d)| *d).collect();
        let currencies = Currencies::read(reader, &in_order)?;
        Ok(Some(ActiveListings {
            prices: by_price.iter().map(|(p, _)| *p).collect(),
            docs: by_price.iter().map(|(_, d)| *d).collect(),
            positions,
            names: Arc::new(names),
            held_at,
            held,
            slots,
            newest: newest.into_iter().map(|(_, pos)| pos).collect(),
            currencies,
            gone: Mutex::new(None),
        }))
    }

    /// A shelf of the listings at `positions` of this one, derived from it: the order by price,
    /// each listing's facet slots and the newest-first order carry over.
    pub fn subset(&self, positions: &[u32]) -> ActiveListings {
        // Ascending, so the order by price carries over (several categories come one after another).
        let mut positions = positions.to_vec();
        positions.sort_unstable();
        positions.dedup();
        let parent = |p: &u32| *p as usize;
        let mut moved = vec![u32::MAX; self.docs.len()];
        let (mut held_at, mut held) = (Vec::with_capacity(positions.len() + 1), Vec::new());
        let mut lists: [Vec<Vec<u32>>; 3] = [0, 1, 2].map(|f| vec![Vec::new(); self.positions[f].len()]);
        for (q, p) in positions.iter().enumerate() {
            let q = u32::try_from(q).unwrap_or(u32::MAX);
            if let Some(m) = moved.get_mut(parent(p)) {
                *m = q;
            }
            held_at.push(u32::try_from(held.len()).unwrap_or(u32::MAX));
            for slot in self.held_by(parent(p)) {
                // The facet whose slots hold this one, and the term ordinal within it.
                let f = self.slots[1..].iter().position(|end| slot < end).unwrap_or(2);
                if let Some(list) = lists[f].get_mut((slot - self.slots[f]) as usize) {
                    list.push(q);
                }
                held.push(*slot);
            }
        }
        held_at.push(u32::try_from(held.len()).unwrap_or(u32::MAX));
        ActiveListings {
            prices: positions.iter().filter_map(|p| self.prices.get(parent(p)).copied()).collect(),
            docs: positions.iter().filter_map(|p| self.docs.get(parent(p)).copied()).collect(),
            positions: lists,
            names: self.names.clone(),
            held_at,
            held,
            slots: self.slots,
            newest: self
                .newest
                .iter()
                .filter_map(|p| moved.get(parent(p)).copied().filter(|q| *q != u32::MAX))
                .collect(),
            currencies: Currencies::of_positions(
                self.currencies.codes.clone(),
                positions.iter().map(|p| self.currencies.of.get(parent(p)).copied().unwrap_or(u32::MAX)).collect(),
            ),
            gone: Mutex::new(None),
        }
    }

    /// How many listings this shelf holds (deleted ones too).
    pub fn listings(&self) -> usize {
        self.docs.len()
    }

    /// The deleted positions, ascending, read once per deletion count.
    pub(super) fn gone(&self, reader: &SegmentReader) -> Arc<Vec<u32>> {
        let deleted = reader.num_deleted_docs();
        if let Some((n, g)) = self.gone.lock().ok().and_then(|g| g.clone())
            && n == deleted
        {
            return g;
        }
        let gone: Vec<u32> = match reader.alive_bitset() {
            Some(alive) => (0..self.docs.len())
                .filter(|p| alive.is_deleted(self.docs[*p]))
                .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
                .collect(),
            None => Vec::new(),
        };
        let gone = Arc::new(gone);
        if let Ok(mut g) = self.gone.lock() {
            *g = Some((deleted, gone.clone()));
        }
        gone
    }

    /// The positions in `range` the narrowing of `ask` admits (deleted ones too): the
    /// categories' (a listing has one), intersected with each tag's, the condition's and the
    /// currency's.
    pub fn admitted(&self, ask: &PriceAsk, range: (usize, usize)) -> Vec<u32> {
        let mut set: Option<Vec<u32>> = ask.categories.as_ref().map(|categories| {
            let mut chosen: Vec<&String> = categories.iter().collect();
            chosen.sort_unstable();
            chosen.dedup();
            chosen.into_iter().flat_map(|c| self.holding(CATEGORY, c, range)).copied().collect()
        });
        let facets = ask.condition.iter().map(|c| (CONDITION, c)).chain(ask.tags.iter().map(|t| (TAG, t)));
        let currency = ask.currency.iter().map(|c| self.currencies.holding(c, range));
        for list in facets.map(|(f, value)| self.holding(f, value, range)).chain(currency) {
            set = Some(match set {
                Some(mut s) => {
                    s.retain(|p| list.binary_search(p).is_ok());
                    s
                }
                None => list.to_vec(),
            });
        }
        set.unwrap_or_default()
    }

    /// The facet slots of the listing at position `p`.
    pub(super) fn held_by(&self, p: usize) -> &[u32] {
        let (from, to) = (self.held_at[p] as usize, self.held_at[p + 1] as usize);
        self.held.get(from..to).unwrap_or(&[])
    }

    /// A counter per facet slot.
    pub(super) fn counters(&self) -> Vec<i64> {
        vec![0; self.slots[3] as usize]
    }

    /// The positions in `[a, b)` holding `value` of facet `f`, ascending.
    fn holding(&self, f: usize, value: &str, (a, b): (usize, usize)) -> &[u32] {
        match self.names[f].binary_search_by(|n| n.as_str().cmp(value)) {
            Ok(o) => within(&self.positions[f][o], a, b),
            Err(_) => &[],
        }
    }

    /// The positions `[a, b)` whose price is in `[min, max]`.
    pub(super) fn slice(&self, min: Option<i64>, max: Option<i64>) -> (usize, usize) {
        let a = min.map_or(0, |m| self.prices.partition_point(|p| *p < m));
        let b = max.map_or(self.prices.len(), |m| self.prices.partition_point(|p| *p <= m));
        (a, b.max(a))
    }
}

/// The part of the ascending `list` in `[a, b)`.
pub(super) fn within(list: &[u32], a: usize, b: usize) -> &[u32] {
    let lo = list.partition_point(|p| (*p as usize) < a);
    let hi = list.partition_point(|p| (*p as usize) < b);
    &list[lo..hi]
}

impl ActiveShelf {
    /// `reader`'s active listings (`docs` reads which they are), built on first use.
    pub fn get(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        docs: impl FnOnce() -> Result<Vec<DocId>, IndexError>,
        key: KeyOf,
    ) -> Result<Option<Arc<ActiveListings>>, IndexError> {
        let id = reader.segment_id();
        if let Some(a) = self.built.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(a);
        }
        let _one = self.building.lock();
        if let Some(a) = self.built.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(a);
        }
        let built = ActiveListings::build(reader, docs()?, key)?.map(Arc::new);
        let live: Vec<SegmentId> = searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
        if let Ok(mut m) = self.built.lock() {
            m.retain(|s, _| live.contains(s));
            m.insert(id, built.clone());
        }
        Ok(built)
    }
}
