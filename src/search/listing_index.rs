//! `GET /listings` on the index: the same filters as the SQL in `listings/search.rs` (status,
//! drafts only to their seller, text, category subtree, every tag, price range, currency,
//! condition, seller) as one tantivy query, then a keyset page or a relevance page, and the
//! facets of the whole filtered set on a first page.

use super::active_listings::PriceAsk;
use super::changes::Kind;
use super::collect::Ranked;
use super::collect_listings::{FacetCount, FacetRows, FacetRules, Key, KeyOrder, KeyedTop, merge_facets};
use super::engine::{ALL_FIELDS, boxed, term, text_clauses};
use super::index::{IndexError, SearchStore};
use super::query::Parsed;
use super::schema::Fields;
use super::segment_memo::SegmentMemo;
use super::segment_memo::postings;
use super::shelf_answer;
use std::ops::Bound;
use std::time::Instant;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Searcher, SegmentOrdinal, Term};
use uuid::Uuid;

/// Which page of which order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ListingOrder {
    /// Newest or by price, after the row a cursor names.
    Keyed { order: KeyOrder, after: Option<Key> },
    /// Best match of the text first; `offset` into the ranking of `generation` when kept.
    Ranked { offset: usize, generation: Option<u64> },
}

/// A listing search, checked (`listings/query.rs` did) and resolved (the seller's id).
#[derive(Debug, Clone)]
pub struct ListingAsk {
    pub text: Option<Parsed>,
    pub status: String,
    /// Drafts show to their seller only: the viewer then, else nothing.
    pub drafts_of: Option<Option<Uuid>>,
    pub categories: Option<Vec<Uuid>>,
    pub tags: Vec<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub currency: Option<String>,
    pub condition: Option<String>,
    pub seller: Option<Uuid>,
    pub order: ListingOrder,
    pub limit: usize,
    /// Count the facets of the whole filtered set (a first page), under these rules.
    pub facets: Option<FacetRules>,
    pub deadline: Instant,
}

#[derive(Debug, Clone, Default)]
pub struct ListingFound {
    /// The page, in order.
    pub ids: Vec<Uuid>,
    /// The keyset page's last key (its cursor).
    pub last: Option<Key>,
    /// Another page follows.
    pub more: bool,
    /// The ranking the page came from (relevance only).
    pub generation: u64,
    pub facets: Option<FacetRows>,
    pub partial: bool,
}

fn must_term(f: Field, text: &str) -> (Occur, Box<dyn Query>) {
    (Occur::Must, boxed(TermQuery::new(term(f, text), IndexRecordOption::Basic)))
}

/// The filters as one query; `None` when nothing can match (a draft list with no viewer).
pub fn query(f: &Fields, a: &ListingAsk) -> Option<Box<dyn Query>> {
    // Only listings have a status: it says the kind too, and one long posting list walked is
    // half the work of two intersected.
    let mut clauses = vec![must_term(f.status, &a.status)];
    match a.drafts_of {
        Some(Some(viewer)) => clauses.push(must_term(f.owner, &viewer.to_string())),
        Some(None) => return None,
        None => {}
    }
    if let Some(text) = &a.text {
        clauses.extend(text_clauses(f, text, ALL_FIELDS));
    }
    if let Some(ids) = &a.categories {
        let terms: Vec<Term> = ids.iter().map(|id| term(f.category, &id.to_string())).collect();
        clauses.push((Occur::Must, boxed(TermSetQuery::new(terms))));
    }
    for tag in &a.tags {
        clauses.push(must_term(f.tag, tag));
    }
    if a.min_price.is_some() || a.max_price.is_some() {
        let bound = |v: Option<i64>| v.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(f.price, v)));
        clauses.push((Occur::Must, boxed(RangeQuery::new(bound(a.min_price), bound(a.max_price)))));
    }
    if let Some(c) = &a.currency {
        clauses.push(must_term(f.currency, c));
    }
    if let Some(c) = &a.condition {
        clauses.push(must_term(f.condition, c));
    }
    if let Some(s) = a.seller {
        clauses.push(must_term(f.owner, &s.to_string()));
    }
    Some(boxed(BooleanQuery::new(clauses)))
}

/// The status the shelves hold (`ListingStatus::Active`; search does not import listings).
const ACTIVE: &str = "active";

/// A newest-first page of active listings filtered by price, category, tags, condition and
/// currency alone (a seller's few listings are walked), which per-segment shelves answer without a walk (`active_listings.rs`).
fn price_only(a: &ListingAsk) -> Option<PriceAsk> {
    let ListingOrder::Keyed { order: KeyOrder::Newest, after } = a.order else { return None };
    let plain = a.text.is_none() && a.drafts_of.is_none() && a.seller.is_none();
    (plain && a.status == ACTIVE).then_some(PriceAsk {
        min: a.min_price,
        max: a.max_price,
        after,
        keep: a.limit + 1,
        facets: a.facets,
        categories: a.categories.as_ref().map(|ids| ids.iter().map(Uuid::to_string).collect()),
        tags: a.tags.clone(),
        condition: a.condition.clone(),
        currency: a.currency.clone(),
    })
}

/// Runs `a` on `searcher`.
pub fn run(
    store: &SearchStore,
    (searcher, memo): (&Searcher, &SegmentMemo),
    a: &ListingAsk,
) -> Result<ListingFound, IndexError> {
    let f = &store.fields;
    let Some(q) = query(f, a) else {
        return Ok(ListingFound { facets: a.facets.map(|_| Vec::new()), ..ListingFound::default() });
    };
    let mut found = ListingFound { generation: searcher.generation().generation_id(), ..ListingFound::default() };
    if let Some(ask) = price_only(a)
        && let Some(PriceAnswer { top, facets }) = by_price((searcher, memo), f, &a.status, &ask)?
    {
        found.more = top.len() > a.limit;
        let page = &top[..top.len().min(a.limit)];
        found.ids = page.iter().map(|(k, _)| k.id()).collect();
        found.last = page.last().map(|(k, _)| *k);
        found.facets = facets;
        return Ok(found);
    }
    match a.order {
        ListingOrder::Keyed { order, after } => {
            let keyed = KeyedTop { order, after, keep: a.limit + 1 };
            // One walk for the page and the facets.
            let top = if let Some(rules) = a.facets {
                let (top, facets) = searcher.search(q.as_ref(), &(keyed, FacetCount(rules)))?;
                found.facets = Some(facets);
                top
            } else {
                searcher.search(q.as_ref(), &keyed)?
            };
            found.more = top.len() > a.limit;
            let page = &top[..top.len().min(a.limit)];
            found.ids = page.iter().map(|(k, _)| k.id()).collect();
            found.last = page.last().map(|(k, _)| *k);
        }
        ListingOrder::Ranked { offset, .. } => {
            let ranking = searcher.search(q.as_ref(), &Ranked::new(&[Kind::Listing], offset + a.limit, a.deadline))?;
            let i = Kind::Listing.index();
            found.ids = ranking.top[i].iter().skip(offset).filter_map(|s| memo.id_of(searcher, s.addr)).collect();
            found.more = ((offset + a.limit) as u64) < ranking.counts[i];
            found.partial = ranking.partial;
        }
    }
    if let (Some(rules), None) = (a.facets, &found.facets) {
        found.facets = Some(searcher.search(q.as_ref(), &FacetCount(rules))?);
    }
    Ok(found)
}

/// The page's candidates newest first (`keep` at most) and the facets when asked.
pub struct PriceAnswer {
    pub top: Vec<(Key, DocAddress)>,
    pub facets: Option<FacetRows>,
}

/// Answers a price-only ask from every segment's shelf of active listings; `None` when a
/// segment has none to offer (a listing without a price): the caller walks instead.
pub fn by_price(
    (searcher, memo): (&Searcher, &SegmentMemo),
    f: &Fields,
    status: &str,
    ask: &PriceAsk,
) -> Result<Option<PriceAnswer>, IndexError> {
    let status = term(f.status, status);
    let (mut tops, mut facets) = (Vec::new(), Vec::new());
    // Once per request, not per segment: the narrowing's name and the ask without it.
    let narrowing = ask.narrows().then(|| (ask.narrowing(), ask.by_price_alone()));
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        if !memo.holds(searcher, reader, f.status) {
            continue;
        }
        let columns = memo.columns(searcher, reader);
        let key = |d| {
            let (hi, lo) = columns.id_halves(d);
            Key { price: 0, hi, lo }
        };
        let Some(active) = memo.active.get(searcher, reader, || postings(reader, &status), &key)? else {
            return Ok(None);
        };
        let segment = SegmentOrdinal::try_from(ord).unwrap_or(SegmentOrdinal::MAX);
        // A narrowing asked again may have a shelf of its own: then by price alone on that.
        let own = match &narrowing {
            Some((name, _)) => memo.filtered.get(searcher, reader, &active, (ask, name)),
            None => None,
        };
        let got = match (own, &narrowing) {
            (Some(own), Some((_, alone))) => shelf_answer::answer((segment, reader), &own, &key, alone),
            _ => shelf_answer::answer((segment, reader), &active, &key, ask),
        };
        tops.push(got.top);
        facets.push(got.facets);
    }
    let mut top: Vec<(Key, DocAddress)> = tops.into_iter().flatten().collect();
    top.sort_unstable_by_key(|t| std::cmp::Reverse(t.0));
    top.truncate(ask.keep);
    Ok(Some(PriceAnswer { top, facets: ask.facets.map(|rules| merge_facets(rules, facets)) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::changes::Kind;
    use crate::search::index::{Mark, SearchStore};
    use crate::search::model::{Access, Doc, ListingFacets};
    use std::time::Duration;

    const EDGES: &[i64] = &[100, 250, 500];

    /// A deterministic spread of listings: statuses, prices (some equal), categories,
    /// conditions, currencies, zero to three tags.
    fn listing(id: Uuid, n: u64, categories: &[Uuid]) -> Doc {
        let pick = |m: u64, salt: u64| (n.wrapping_mul(2_654_435_761).wrapping_add(salt) >> 7) % m;
        let tags = ["analog", "vintage", "synth", "tape", "boxed", "mint"];
        Doc {
            kind: Kind::Listing,
            id,
            title: format!("listing {n}"),
            tags: vec![],
            body: String::new(),
            access: Access::Everyone,
            owner: Some(Uuid::nil()),
            popularity: 0.0,
            created: chrono::Utc::now(),
            listing: Some(ListingFacets {
                status: ["active", "active", "active", "sold"][pick(4, 1) as usize].into(),
                category: categories[pick(categories.len() as u64, 2) as usize],
                condition: ["new", "used", "fair"][pick(3, 3) as usize].into(),
                currency: ["EUR", "EUR", "GBP", "USD"][pick(4, 9) as usize].into(),
                price: (pick(60, 4) * 10) as i64,
                // Distinct, as listings store them.
                tags: (0..pick(4, 5))
                    .map(|i| tags[pick(6, 6 + i) as usize].to_owned())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            }),
        }
    }

    fn walked(store: &SearchStore, a: &ListingAsk, keep: usize) -> (Vec<Key>, Vec<(String, String, i64)>) {
        let searcher = store.searcher();
        let Some(q) = query(&store.fields, a) else { return (Vec::new(), Vec::new()) };
        let ListingOrder::Keyed { order, after } = a.order else { return (Vec::new(), Vec::new()) };
        let collectors = (KeyedTop { order, after, keep }, FacetCount(a.facets.unwrap_or(RULES)));
        let (top, mut facets) = searcher.search(q.as_ref(), &collectors).unwrap_or_else(|e| panic!("{e}"));
        facets.sort();
        (top.into_iter().map(|(k, _)| k).collect(), facets)
    }

    const RULES: FacetRules = FacetRules { price_edges: EDGES, top_tags: 4 };

    fn ask(min: Option<i64>, max: Option<i64>, after: Option<Key>) -> ListingAsk {
        ListingAsk {
            text: None,
            status: "active".into(),
            drafts_of: None,
            categories: None,
            tags: vec![],
            min_price: min,
            max_price: max,
            currency: None,
            condition: None,
            seller: None,
            order: ListingOrder::Keyed { order: KeyOrder::Newest, after },
            limit: 7,
            facets: Some(RULES),
            deadline: Instant::now() + Duration::from_secs(5),
        }
    }

    #[test]
    fn a_price_range_answers_like_the_walk_across_segments_and_deletes() {
        let dir = std::env::temp_dir().join(format!("veza-active-{}", Uuid::now_v7()));
        let (store, _) = SearchStore::open(&dir, Uuid::nil()).unwrap_or_else(|e| panic!("{e}"));
        let categories: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let mut w = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
        let mut ids = Vec::new();
        // Three segments; the last also holds a track; then a fourth commit replaces (deletes
        // then adds) a third of the listings with new prices and statuses.
        for batch in 0..3u64 {
            for n in 0..300u64 {
                let id = Uuid::now_v7();
                ids.push(id);
                w.upsert(&listing(id, batch * 1000 + n, &categories)).unwrap_or_else(|e| panic!("{e}"));
            }
            if batch == 2 {
                let mut track = listing(Uuid::now_v7(), 1, &categories);
                (track.kind, track.listing) = (Kind::Track, None);
                w.upsert(&track).unwrap_or_else(|e| panic!("{e}"));
            }
            w.commit(Uuid::nil(), Mark::default()).unwrap_or_else(|e| panic!("{e}"));
        }
        for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            w.upsert(&listing(*id, 7_000 + i as u64, &categories)).unwrap_or_else(|e| panic!("{e}"));
        }
        w.commit(Uuid::nil(), Mark::default()).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        let searcher = store.searcher();
        assert!(searcher.segment_readers().iter().any(|r| r.num_deleted_docs() > 0), "deletes to take off");
        // Narrowings get shelves of their own from the second ask on, however few they admit.
        let memo = SegmentMemo::new(1);
        let ranges =
            [(None, None), (Some(100), None), (None, Some(240)), (Some(250), Some(250)), (Some(90), Some(510))];
        let mut compared = 0;
        // Every range over all listings, then narrowed: two of the four categories, a tag, two
        // tags, a condition, a currency, a currency nobody prices in, all of them at once.
        type Narrowing<'a> = (Option<Vec<Uuid>>, &'a [&'a str], Option<&'a str>, Option<&'a str>);
        let narrowings: [Narrowing; 9] = [
            (None, &[], None, None),
            (Some(vec![categories[0], categories[2]]), &[], None, None),
            (None, &["analog"], None, None),
            (None, &["vintage", "synth"], None, None),
            (None, &[], Some("used"), None),
            (None, &[], None, Some("GBP")),
            (None, &[], None, Some("JPY")),
            (None, &["synth"], None, Some("EUR")),
            (Some(vec![categories[1], categories[3]]), &["tape"], Some("new"), Some("USD")),
        ];
        // Twice: first walked, then from the narrowings' own shelves.
        let twice = [0, 1].into_iter().flat_map(|_| ranges.into_iter());
        for ((min, max), (only, tags, condition, currency)) in
            twice.flat_map(|r| narrowings.iter().map(move |n| (r, n)))
        {
            let mut after = None;
            // Three pages: the cursor resumes where each ended.
            for _ in 0..3 {
                let a = ListingAsk {
                    categories: only.clone(),
                    tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                    condition: condition.map(str::to_owned),
                    currency: currency.map(str::to_owned),
                    ..ask(min, max, after)
                };
                let price = price_only(&a).unwrap_or_else(|| panic!("the shelves take {a:?}"));
                let got = by_price((&searcher, &memo), &store.fields, "active", &price)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .unwrap_or_else(|| panic!("every listing has a price"));
                let keys: Vec<Key> = got.top.iter().map(|(k, _)| *k).collect();
                let mut facets = got.facets.unwrap_or_default();
                facets.sort();
                let (want_keys, want_facets) = walked(&store, &a, 8);
                let what =
                    format!("{min:?}..{max:?} in {only:?} tagged {tags:?} {condition:?} {currency:?} after {after:?}");
                assert_eq!(keys, want_keys, "page of {what}");
                assert_eq!(facets, want_facets, "facets of {what}");
                compared += keys.len();
                after = keys.get(6).copied();
                if after.is_none() {
                    break;
                }
            }
        }
        // A seller (a few listings) still walks.
        assert!(price_only(&ListingAsk { seller: Some(Uuid::nil()), ..ask(None, None, None) }).is_none());
        assert!(compared > 300, "pages were not empty: {compared}");
        assert!(memo.filtered.listings() > 0, "the second round read the narrowings' own shelves");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
