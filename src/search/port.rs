//! `SearchIndex`: what the search service asks of an index, so the embedded tantivy index can
//! be replaced by an external engine (Meilisearch, OpenSearch) without touching the service,
//! the views or the HTTP layer. When: once one index per node stops fitting (SCALING.md).
//! The write side is the change-log feed (`feed.rs`), which an external engine would consume
//! the same way through its own `Feed`.

use super::answers::{self, Answers};
use super::changes::Kind;
use super::engine::{self, ALL_FIELDS, Audience, Found, TITLES};
use super::generations::Generations;
use super::index::{IndexError, SearchStore};
use super::listing_index::{self, ListingAsk, ListingFound, ListingOrder};
use super::query::Parsed;
use super::ranked;
use super::segment_memo::SegmentMemo;
use std::sync::Arc;
use std::time::Instant;

/// Which text a query looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Title, tags and body, weighted.
    Everything,
    /// Titles and names only (suggestions): the best `limit` over every kind together, with
    /// their titles; counts are not taken.
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
    /// `GET /listings` answers of the current generation.
    pub answers: Arc<Answers>,
    /// What searches read from segments that never change.
    pub memo: Arc<SegmentMemo>,
    pub store: SearchStore,
}

impl Tantivy {
    /// A port on `store` with nothing kept yet, narrowings always walked (tools and tests; a
    /// node's port shares its `SearchHandle`'s memo).
    pub fn on(store: SearchStore) -> Tantivy {
        let memo = Arc::new(SegmentMemo::new(usize::MAX));
        Tantivy { generations: Arc::default(), answers: Arc::default(), memo, store }
    }
}

impl SearchIndex for Tantivy {
    fn query(&self, q: &IndexQuery) -> Result<IndexAnswer, IndexError> {
        let searcher = self.generations.searcher(&self.store, q.generation);
        let (fields, text) = match q.scope {
            Scope::Everything => (ALL_FIELDS, &self.store.fields.words),
            Scope::Titles => (TITLES, &self.store.fields.titles),
        };
        let found = if ranked::handles(&q.parsed) {
            let ask = ranked::Ask {
                parsed: &q.parsed,
                kinds: &q.kinds,
                who: &q.audience,
                limit: q.limit,
                offset: q.offset,
                deadline: q.deadline,
                suggest: q.scope == Scope::Titles,
                memo: &self.memo,
            };
            ranked::run(&searcher, &self.store.fields, text, ask)?
        } else {
            let query = engine::build_in(&self.store.fields, &q.parsed, &q.kinds, &q.audience, fields);
            engine::run(
                (&searcher, &self.memo),
                &self.store.fields,
                query.as_ref(),
                &q.kinds,
                engine::Page { limit: q.limit, offset: q.offset, titles: q.scope == Scope::Titles },
                q.deadline,
            )?
        };
        Ok(IndexAnswer { found, generation: searcher.generation().generation_id() })
    }

    fn listings(&self, ask: &ListingAsk) -> Result<ListingFound, IndexError> {
        let generation = match ask.order {
            ListingOrder::Ranked { generation, .. } => generation,
            ListingOrder::Keyed { .. } => None,
        };
        let searcher = self.generations.searcher(&self.store, generation);
        let id = searcher.generation().generation_id();
        let key = answers::key(ask);
        if let Some(found) = self.answers.get(id, &key) {
            return Ok(found);
        }
        let found = listing_index::run(&self.store, (&searcher, &self.memo), ask)?;
        self.answers.put(id, key, &found);
        Ok(found)
    }
}
