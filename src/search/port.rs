//! `SearchIndex`: what the search service asks of an index, so the embedded tantivy index can
//! be replaced by an external engine (Meilisearch, OpenSearch) without touching the service,
//! the views or the HTTP layer. When: once one index per node stops fitting (SCALING.md).
//! The write side is the change-log feed (`feed.rs`), which an external engine would consume
//! the same way through its own `Feed`.

use super::changes::Kind;
use super::engine::{self, ALL_FIELDS, Audience, Found, TITLES};
use super::generations::Generations;
use super::index::{IndexError, SearchStore};
use super::listing_index::{self, ListingAsk, ListingFound, ListingOrder};
use super::query::Parsed;
use std::sync::Arc;
use std::time::Instant;

/// Which text a query looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Title, tags and body, weighted.
    Everything,
    /// Titles and names only (suggestions).
    Titles,
}

/// One query, as the service asks it.
#[derive(Debug, Clone)]
pub struct IndexQuery {
    pub parsed: Parsed,
    pub kinds: Vec<Kind>,
    pub audience: Audience,
    pub scope: Scope,
    pub limit: usize,
    pub offset: usize,
    /// The ranking a cursor started on, if the index still has it.
    pub generation: Option<u64>,
    /// Past this, answer with what was found (`Found::partial`).
    pub deadline: Instant,
}

/// What came back, and from which ranking (for the next cursor).
#[derive(Debug, Clone)]
pub struct IndexAnswer {
    pub found: Found,
    pub generation: u64,
}

pub trait SearchIndex: Send + Sync {
    /// Runs `q`; may block (callers run it on a blocking thread).
    fn query(&self, q: &IndexQuery) -> Result<IndexAnswer, IndexError>;

    /// A page of `GET /listings` (and its facets); may block.
    fn listings(&self, ask: &ListingAsk) -> Result<ListingFound, IndexError>;
}

/// The node's own tantivy index.
pub struct Tantivy {
    pub generations: Arc<Generations>,
    pub store: SearchStore,
}

impl SearchIndex for Tantivy {
    fn query(&self, q: &IndexQuery) -> Result<IndexAnswer, IndexError> {
        let searcher = self.generations.searcher(&self.store, q.generation);
        let fields = match q.scope {
            Scope::Everything => ALL_FIELDS,
            Scope::Titles => TITLES,
        };
        let query = engine::build_in(&self.store.fields, &q.parsed, &q.kinds, &q.audience, fields);
        let page = (q.limit, q.offset);
        let found = engine::run(&searcher, &self.store.fields, query.as_ref(), &q.kinds, page, q.deadline)?;
        Ok(IndexAnswer { found, generation: searcher.generation().generation_id() })
    }

    fn listings(&self, ask: &ListingAsk) -> Result<ListingFound, IndexError> {
        let generation = match ask.order {
            ListingOrder::Ranked { generation, .. } => generation,
            ListingOrder::Keyed { .. } => None,
        };
        let searcher = self.generations.searcher(&self.store, generation);
        listing_index::run(&self.store, &searcher, ask)
    }
}
