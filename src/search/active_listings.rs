//! `GET /listings` filtered by price alone (the marketplace's browse: every active listing, or a
//! price range, newest first, with facets) without walking the matches. Per segment, built once
//! (a segment never changes but for deletes): its active listings ordered by price, each facet
//! value's positions in that order, and the same listings newest first. A price range is then
//! a slice `[a, b)` of positions: a facet value's count is two binary searches, a price bucket's
//! one, and the page is the first positions in `[a, b)` met newest first. Deleted documents are
//! kept per segment and deletion count, and taken off. At a million listings the walk read each
//! match's columns (~60 ms a request); this reads a few hundred numbers.

use super::collect_listings::{FacetRules, Key};
use super::index::IndexError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{BitSet, DocAddress, DocId, Searcher, SegmentOrdinal, SegmentReader};

/// A listing's key in the newest-first order (price 0, like `KeyedSegment`), from its id columns.
pub type KeyOf<'a> = &'a dyn Fn(DocId) -> Key;

/// The facets counted by term, like `collect_listings::FACETS`.
const FACETS: [&str; 3] = ["category", "condition", "tag"];

/// One segment's active listings.
pub struct ActiveListings {
    /// Prices ascending, and the documents in the same order (a position indexes both).
    prices: Vec<i64>,
    docs: Vec<DocId>,
    /// Per facet, per term ordinal: the positions of the documents holding it, ascending.
    positions: [Vec<Vec<u32>>; 3],
    /// Per facet, per term ordinal: the value.
    names: [Vec<String>; 3],
    /// Per position, its (facet, term ordinal) pairs: `held[held_at[p]..held_at[p + 1]]`.
    held_at: Vec<u32>,
    held: Vec<(u8, u32)>,
    /// Positions, newest listing first (id descending).
    newest: Vec<u32>,
    /// Which documents are here.
    members: BitSet,
}

/// A deleted active listing: what to take off the counts when its price is in range.
struct Gone {
    price: i64,
    ords: [Vec<u64>; 3],
}

/// A segment's deleted active listings, read at this deletion count.
type GoneAt = (u32, Arc<Vec<Gone>>);

/// Built per segment on first use; deleted listings per segment and deletion count.
#[derive(Default)]
pub struct ActiveShelf {
    /// `None`: the segment cannot have one (a listing without a price): not tried again.
    built: Mutex<HashMap<SegmentId, Option<Arc<ActiveListings>>>>,
    /// One build at a time: requests arriving meanwhile wait for it rather than each build the
    /// same segment (a million listings take a few hundred ms).
    building: Mutex<()>,
    gone: Mutex<HashMap<SegmentId, GoneAt>>,
}

/// The filter and the page asked for.
pub struct PriceAsk {
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Newest first, after this key.
    pub after: Option<Key>,
    pub keep: usize,
    pub facets: Option<FacetRules>,
    /// Only listings in these categories (ids as indexed), when given.
    pub categories: Option<Vec<String>>,
}

fn str_columns(reader: &SegmentReader) -> Result<[Option<StrColumn>; 3], IndexError> {
    let fast = reader.fast_fields();
    Ok([fast.str(FACETS[0])?, fast.str(FACETS[1])?, fast.str(FACETS[2])?])
}

fn ords_of(columns: &[Option<StrColumn>; 3], doc: DocId) -> [Vec<u64>; 3] {
    [0, 1, 2].map(|i| columns[i].as_ref().map(|c| c.term_ords(doc).collect()).unwrap_or_default())
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
        let (mut held_at, mut held) = (Vec::with_capacity(by_price.len() + 1), Vec::new());
        for (pos, (_, d)) in by_price.iter().enumerate() {
            let pos = u32::try_from(pos).unwrap_or(u32::MAX);
            held_at.push(u32::try_from(held.len()).unwrap_or(u32::MAX));
            for (f, ords) in ords_of(&str_cols, *d).into_iter().enumerate() {
                for o in ords {
                    if let Some(list) = positions[f].get_mut(o as usize) {
                        list.push(pos);
                        held.push((f as u8, o as u32));
                    }
                }
            }
        }
        held_at.push(u32::try_from(held.len()).unwrap_or(u32::MAX));
        let names = [0, 1, 2].map(|i| {
            let Some(c) = &str_cols[i] else { return Vec::new() };
            (0..c.num_terms() as u64)
                .map(|o| {
                    let mut s = String::new();
                    let _ = c.ord_to_str(o, &mut s);
                    s
                })
                .collect()
        });
        let mut newest: Vec<(Key, u32)> = by_price
            .iter()
            .enumerate()
            .map(|(pos, (_, d))| (key(*d), u32::try_from(pos).unwrap_or(u32::MAX)))
            .collect();
        newest.sort_unstable_by_key(|n| std::cmp::Reverse(n.0));
        let mut members = BitSet::with_max_value(reader.max_doc());
        for d in &docs {
            members.insert(*d);
        }
        Ok(Some(ActiveListings {
            prices: by_price.iter().map(|(p, _)| *p).collect(),
            docs: by_price.iter().map(|(_, d)| *d).collect(),
            positions,
            names,
            held_at,
            held,
            newest: newest.into_iter().map(|(_, pos)| pos).collect(),
            members,
        }))
    }

    /// The positions `[a, b)` whose price is in `[min, max]`.
    fn slice(&self, min: Option<i64>, max: Option<i64>) -> (usize, usize) {
        let a = min.map_or(0, |m| self.prices.partition_point(|p| *p < m));
        let b = max.map_or(self.prices.len(), |m| self.prices.partition_point(|p| *p <= m));
        (a, b.max(a))
    }
}

/// The part of the ascending `list` in `[a, b)`.
fn within(list: &[u32], a: usize, b: usize) -> &[u32] {
    let lo = list.partition_point(|p| (*p as usize) < a);
    let hi = list.partition_point(|p| (*p as usize) < b);
    &list[lo..hi]
}

/// Price bucket `i` holds prices in `[edge i-1, edge i)`.
fn bucket_of(rules: FacetRules, price: i64) -> usize {
    rules.price_edges.partition_point(|e| *e <= price)
}

/// Whether `count` candidates are few enough to sort: walking newest first meets one every
/// n / count steps, so a narrow set is shorter to sort than to meet.
fn small(count: usize, active: &ActiveListings, ask: &PriceAsk) -> bool {
    count.saturating_mul(count) < ask.keep.saturating_mul(active.newest.len().max(1))
}

/// The page from `positions` (all candidates): keys read, sorted, cut after the cursor.
fn sorted_page(
    segment: SegmentOrdinal,
    active: &ActiveListings,
    key: KeyOf,
    ask: &PriceAsk,
    positions: impl Iterator<Item = usize>,
) -> Vec<(Key, DocAddress)> {
    let mut top: Vec<(Key, DocAddress)> = positions
        .map(|p| active.docs[p])
        .map(|d| (key(d), DocAddress::new(segment, d)))
        .filter(|(k, _)| ask.after.is_none_or(|after| *k < after))
        .collect();
    top.sort_unstable_by_key(|t| std::cmp::Reverse(t.0));
    top.truncate(ask.keep);
    top
}

/// The page met walking newest first from the cursor, taking the positions `admits`.
fn scanned_page(
    segment: SegmentOrdinal,
    active: &ActiveListings,
    key: KeyOf,
    ask: &PriceAsk,
    admits: impl Fn(usize) -> bool,
) -> Vec<(Key, DocAddress)> {
    let start = match ask.after {
        Some(after) => active.newest.partition_point(|pos| key(active.docs[*pos as usize]) >= after),
        None => 0,
    };
    active.newest[start..]
        .iter()
        .map(|p| *p as usize)
        .filter(|p| admits(*p))
        .take(ask.keep)
        .map(|p| (key(active.docs[p]), DocAddress::new(segment, active.docs[p])))
        .collect()
}

/// Counts by facet ordinal and price bucket as the facet map (zeros left out).
fn named(active: &ActiveListings, counts: &[Vec<i64>; 3], buckets: &[i64]) -> HashMap<(String, String), i64> {
    let mut facets = HashMap::new();
    for (f, counts) in counts.iter().enumerate() {
        for (o, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            if let Some(name) = active.names[f].get(o) {
                *facets.entry((FACETS[f].to_owned(), name.clone())).or_default() += n;
            }
        }
    }
    for (i, n) in buckets.iter().enumerate().filter(|(_, n)| **n > 0) {
        *facets.entry(("price".to_owned(), i.to_string())).or_default() += n;
    }
    facets
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
        if let Ok(mut m) = self.gone.lock() {
            m.retain(|s, _| live.contains(s));
        }
        Ok(built)
    }

    /// The deleted ones of `active` in `reader`, read once per deletion count.
    fn gone(&self, reader: &SegmentReader, active: &ActiveListings) -> Result<Arc<Vec<Gone>>, IndexError> {
        let (id, deleted) = (reader.segment_id(), reader.num_deleted_docs());
        if let Some((n, g)) = self.gone.lock().ok().and_then(|m| m.get(&id).cloned())
            && n == deleted
        {
            return Ok(g);
        }
        let mut gone = Vec::new();
        if let Some(alive) = reader.alive_bitset() {
            let price: Option<Column<i64>> = reader.fast_fields().i64("price").ok();
            let columns = str_columns(reader)?;
            for d in (0..reader.max_doc()).filter(|d| alive.is_deleted(*d) && active.members.contains(*d)) {
                let price = price.as_ref().and_then(|c| c.first(d)).unwrap_or(i64::MIN);
                gone.push(Gone { price, ords: ords_of(&columns, d) });
            }
        }
        let gone = Arc::new(gone);
        if let Ok(mut m) = self.gone.lock() {
            m.insert(id, (deleted, gone.clone()));
        }
        Ok(gone)
    }
}

/// One segment's share of the answer: its page candidates and its facet counts.
pub struct SegmentAnswer {
    pub top: Vec<(Key, DocAddress)>,
    pub facets: HashMap<(String, String), i64>,
}

/// Answers `ask` in one segment.
pub fn answer(
    shelf: &ActiveShelf,
    (segment, reader): (SegmentOrdinal, &SegmentReader),
    active: &ActiveListings,
    key: KeyOf,
    ask: &PriceAsk,
) -> Result<SegmentAnswer, IndexError> {
    let (a, b) = active.slice(ask.min, ask.max);
    if let Some(categories) = &ask.categories {
        return Ok(in_categories(segment, reader, active, key, ask, (categories, a, b)));
    }
    let alive = reader.alive_bitset();
    let is_alive = |d: DocId| alive.is_none_or(|s| s.is_alive(d));
    let top = if small(b - a, active, ask) {
        sorted_page(segment, active, key, ask, (a..b).filter(|p| is_alive(active.docs[*p])))
    } else {
        scanned_page(segment, active, key, ask, |p| (a..b).contains(&p) && is_alive(active.docs[p]))
    };
    let mut facets = HashMap::new();
    if let Some(rules) = ask.facets {
        let mut counts: [Vec<i64>; 3] =
            [0, 1, 2].map(|f| active.positions[f].iter().map(|list| within(list, a, b).len() as i64).collect());
        // Bucket i: prices in [edge i-1, edge i), cut to the range.
        let at = |e: i64| active.prices.partition_point(|p| *p < e).clamp(a, b);
        let mut cuts = vec![a];
        cuts.extend(rules.price_edges.iter().map(|e| at(*e)));
        cuts.push(b);
        let mut buckets: Vec<i64> = cuts.windows(2).map(|w| (w[1] - w[0]) as i64).collect();
        if reader.num_deleted_docs() > 0 {
            let in_range = |p: i64| ask.min.is_none_or(|m| p >= m) && ask.max.is_none_or(|m| p <= m);
            for g in shelf.gone(reader, active)?.iter().filter(|g| in_range(g.price)) {
                for (f, ords) in g.ords.iter().enumerate() {
                    for o in ords {
                        if let Some(n) = counts[f].get_mut(*o as usize) {
                            *n -= 1;
                        }
                    }
                }
                if let Some(n) = buckets.get_mut(bucket_of(rules, g.price)) {
                    *n -= 1;
                }
            }
        }
        facets = named(active, &counts, &buckets);
    }
    Ok(SegmentAnswer { top, facets })
}

/// `answer` within a set of categories: the set's positions in `[a, b)` are read from each
/// category's list (a listing has one category), then walked once for the facets; the page is
/// the newest of them.
fn in_categories(
    segment: SegmentOrdinal,
    reader: &SegmentReader,
    active: &ActiveListings,
    key: KeyOf,
    ask: &PriceAsk,
    (categories, a, b): (&[String], usize, usize),
) -> SegmentAnswer {
    let alive = reader.alive_bitset();
    let is_alive = |d: DocId| alive.is_none_or(|s| s.is_alive(d));
    let names = &active.names[0];
    let chosen: Vec<usize> = categories.iter().filter_map(|c| names.binary_search(c).ok()).collect();
    let mut set: Vec<u32> = Vec::new();
    for c in &chosen {
        let list = within(&active.positions[0][*c], a, b);
        set.extend(list.iter().copied().filter(|p| is_alive(active.docs[*p as usize])));
    }
    let top = if small(set.len(), active, ask) {
        sorted_page(segment, active, key, ask, set.iter().map(|p| *p as usize))
    } else {
        let mut member = BitSet::with_max_value(u32::try_from(active.newest.len()).unwrap_or(u32::MAX));
        for p in &set {
            member.insert(*p);
        }
        scanned_page(segment, active, key, ask, |p| member.contains(p as u32))
    };
    let mut facets = HashMap::new();
    if let Some(rules) = ask.facets {
        let mut counts: [Vec<i64>; 3] = [0, 1, 2].map(|f| vec![0; active.names[f].len()]);
        let mut buckets = vec![0i64; rules.price_edges.len() + 1];
        for p in set.iter().map(|p| *p as usize) {
            let (from, to) = (active.held_at[p] as usize, active.held_at[p + 1] as usize);
            for (f, o) in &active.held[from..to] {
                if let Some(c) = counts[*f as usize].get_mut(*o as usize) {
                    *c += 1;
                }
            }
            let price = active.prices[p];
            if let Some(n) = buckets.get_mut(bucket_of(rules, price)) {
                *n += 1;
            }
        }
        facets = named(active, &counts, &buckets);
    }
    SegmentAnswer { top, facets }
}
