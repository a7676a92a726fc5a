//! Answering a `/listings` page from one segment's shelf (`active_listings.rs`): the price
//! range is a slice of positions; facets by binary search over each value's positions (or,
//! narrowed by category, tags or condition, a tally of the admitted positions); the page sorted
//! from the candidates when few, else met walking newest first from the cursor.

use super::active_listings::{ActiveListings, KeyOf, PriceAsk, within};
use super::collect_listings::{FACETS, FacetRules, Key};
use std::collections::HashMap;
use tantivy::{BitSet, DocAddress, DocId, SegmentOrdinal, SegmentReader};

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
fn named(active: &ActiveListings, counts: &[i64], buckets: &[i64]) -> HashMap<(String, String), i64> {
    let mut facets = HashMap::new();
    for (f, (_, facet)) in FACETS.iter().enumerate() {
        let of_facet = counts.get(active.slots[f] as usize..active.slots[f + 1] as usize).unwrap_or(&[]);
        for (o, n) in of_facet.iter().enumerate().filter(|(_, n)| **n > 0) {
            if let Some(name) = active.names[f].get(o) {
                *facets.entry(((*facet).to_owned(), name.clone())).or_default() += n;
            }
        }
    }
    for (i, n) in buckets.iter().enumerate().filter(|(_, n)| **n > 0) {
        *facets.entry(("price".to_owned(), i.to_string())).or_default() += n;
    }
    facets
}

/// One segment's share of the answer: its page candidates and its facet counts.
pub struct SegmentAnswer {
    pub top: Vec<(Key, DocAddress)>,
    pub facets: HashMap<(String, String), i64>,
}

/// Answers `ask` in one segment from its shelf `active`.
pub fn answer(
    (segment, reader): (SegmentOrdinal, &SegmentReader),
    active: &ActiveListings,
    key: KeyOf,
    ask: &PriceAsk,
) -> SegmentAnswer {
    let (a, b) = active.slice(ask.min, ask.max);
    if ask.narrows() {
        return narrowed((segment, reader), active, key, ask, (a, b));
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
        let mut counts: Vec<i64> =
            active.positions.iter().flatten().map(|list| within(list, a, b).len() as i64).collect();
        // Bucket i: prices in [edge i-1, edge i), cut to the range.
        let at = |e: i64| active.prices.partition_point(|p| *p < e).clamp(a, b);
        let mut cuts = vec![a];
        cuts.extend(rules.price_edges.iter().map(|e| at(*e)));
        cuts.push(b);
        let mut buckets: Vec<i64> = cuts.windows(2).map(|w| (w[1] - w[0]) as i64).collect();
        if reader.num_deleted_docs() > 0 {
            let gone = active.gone(reader);
            tally(active, rules, within(&gone, a, b), (&mut counts, &mut buckets), -1);
        }
        facets = named(active, &counts, &buckets);
    }
    SegmentAnswer { top, facets }
}

/// Adds `by` to the counts of the facet values and price buckets of `positions`. (The hot loop
/// of a narrowed browse: a few slots per listing, hundreds of thousands of listings.)
fn tally(
    active: &ActiveListings,
    rules: FacetRules,
    positions: &[u32],
    (counts, buckets): (&mut [i64], &mut [i64]),
    by: i64,
) {
    for p in positions.iter().map(|p| *p as usize) {
        for slot in active.held_by(p) {
            if let Some(c) = counts.get_mut(*slot as usize) {
                *c += by;
            }
        }
        if let Some(n) = active.prices.get(p).and_then(|price| buckets.get_mut(bucket_of(rules, *price))) {
            *n += by;
        }
    }
}

/// `answer` narrowed by categories, tags or a condition: the positions admitted in `[a, b)`,
/// walked once for the facets; the page is the newest of them.
fn narrowed(
    (segment, reader): (SegmentOrdinal, &SegmentReader),
    active: &ActiveListings,
    key: KeyOf,
    ask: &PriceAsk,
    range: (usize, usize),
) -> SegmentAnswer {
    let mut set = active.admitted(ask, range);
    if reader.num_deleted_docs() > 0 {
        // The deleted positions are few and sorted: cheaper to look up than each document.
        let gone = active.gone(reader);
        set.retain(|p| gone.binary_search(p).is_err());
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
        let (mut counts, mut buckets) = (active.counters(), vec![0i64; rules.price_edges.len() + 1]);
        tally(active, rules, &set, (&mut counts, &mut buckets), 1);
        facets = named(active, &counts, &buckets);
    }
    SegmentAnswer { top, facets }
}
