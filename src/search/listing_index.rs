//! `GET /listings` on the index: the same filters as the SQL in `listings/search.rs` (status,
//! drafts only to their seller, text, category subtree, every tag, price range, currency,
//! condition, seller) as one tantivy query, then a keyset page or a relevance page, and the
//! facets of the whole filtered set on a first page.

use super::changes::Kind;
use super::collect::Ranked;
use super::collect_listings::{FacetCount, FacetRows, FacetRules, Key, KeyOrder, KeyedTop};
use super::engine::{ALL_FIELDS, boxed, term, text_clauses};
use super::index::{IndexError, SearchStore};
use super::query::Parsed;
use super::schema::Fields;
use super::segment_memo::SegmentMemo;
use std::ops::Bound;
use std::time::Instant;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};
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
