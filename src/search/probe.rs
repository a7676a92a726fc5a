//! `veza search probe`: the index alone, timed: each query run through the `SearchIndex` port
//! as a node runs it (all kinds, a first page, no deadline pressure), with no HTTP, no
//! PostgreSQL views and no other client. Says what the index costs per query on this machine,
//! apart from everything around it (`make bench-search` measures the whole request).

use super::changes::Kind;
use super::collect_listings::{FacetRules, KeyOrder};
use super::engine::Audience;
use super::index::{IndexError, SearchStore};
use super::listing_index::{ListingAsk, ListingOrder};
use super::port::{IndexQuery, Scope, SearchIndex, Tantivy};
use super::query::{QueryError, Rules, parse};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("{0:?}: {1}")]
    Query(String, QueryError),
    #[error("no built index in {0}")]
    NoIndex(String),
}

/// One query's timings over its runs.
#[derive(Debug, Serialize)]
pub struct Timed {
    pub what: String,
    pub runs: usize,
    pub min_ms: f64,
    pub p50_ms: f64,
    pub max_ms: f64,
    /// Matches per kind (listing, track, user, room), or listings on the page.
    pub counts: Vec<u64>,
}

fn timed(what: String, mut ms: Vec<f64>, counts: Vec<u64>) -> Timed {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms.get(((ms.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    Timed { what, runs: ms.len(), min_ms: at(0.0), p50_ms: at(0.5), max_ms: at(1.0), counts }
}

fn since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Runs each of `queries` (and, as suggestions, each of `suggest`) `runs` times on the index in
/// `dir`, then a first `GET /listings` page, without and with its facets.
/// `facet_rules`: the marketplace's facets (`listings::facets::RULES`).
pub fn probe(
    dir: &Path,
    queries: &[String],
    suggest: &[String],
    runs: usize,
    facet_rules: FacetRules,
) -> Result<Vec<Timed>, ProbeError> {
    // Opened for the database it says it belongs to: any other id would start it over.
    let database = database_of(dir).ok_or_else(|| ProbeError::NoIndex(dir.display().to_string()))?;
    let (store, _) = SearchStore::open(dir, database)?;
    let index = Tantivy::on(store.clone());
    let rules = Rules::default();
    let mut out = Vec::new();
    let asks = queries.iter().map(|q| (q, Scope::Everything)).chain(suggest.iter().map(|q| (q, Scope::Titles)));
    for (q, scope) in asks {
        let parsed = parse(q, &rules).map_err(|e| ProbeError::Query(q.clone(), e))?;
        let ask = IndexQuery {
            parsed,
            kinds: Kind::ALL.to_vec(),
            audience: Audience::default(),
            scope,
            limit: if scope == Scope::Titles { 10 } else { 20 },
            offset: 0,
            generation: None,
            deadline: Instant::now() + Duration::from_secs(3600),
        };
        let (mut ms, mut counts) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let t = Instant::now();
            let answer = index.query(&ask)?;
            ms.push(since(t));
            counts = answer.found.counts.to_vec();
        }
        let label = if scope == Scope::Titles { format!("suggest {q:?}") } else { format!("search {q:?}") };
        out.push(timed(label, ms, counts));
    }
    for facets in [None, Some(facet_rules)] {
        let (mut ms, mut counts) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let ask = ListingAsk { facets, ..listings_page() };
            // A port of its own each time: its kept answers would time nothing.
            let fresh = Tantivy::on(store.clone());
            let t = Instant::now();
            let found = fresh.listings(&ask)?;
            ms.push(since(t));
            counts = vec![found.ids.len() as u64];
        }
        let label = if facets.is_some() { "listings newest, with facets" } else { "listings newest" };
        out.push(timed(label.into(), ms, counts));
    }
    Ok(out)
}

/// `GET /listings` with no filter: a first page, newest first.
fn listings_page() -> ListingAsk {
    ListingAsk {
        text: None,
        status: "active".into(),
        drafts_of: None,
        categories: None,
        tags: Vec::new(),
        min_price: None,
        max_price: None,
        currency: None,
        condition: None,
        seller: None,
        order: ListingOrder::Keyed { order: KeyOrder::Newest, after: None },
        limit: 20,
        facets: None,
        deadline: Instant::now() + Duration::from_secs(3600),
    }
}

/// The database the index in `dir` says it belongs to.
fn database_of(dir: &Path) -> Option<Uuid> {
    tantivy::Index::open_in_dir(dir)
        .ok()
        .and_then(|i| i.load_metas().ok())
        .and_then(|m| m.payload)
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
        .and_then(|v| v.get("database").and_then(|d| d.as_str()).and_then(|d| d.parse().ok()))
}
