//! Search (issue 16): one index per node over listings, tracks, users and rooms, fed from the
//! change log PostgreSQL writes in the same transaction as every searchable write.

pub mod active_listings;
pub mod analyzer;
pub mod answers;
pub mod changes;
pub mod collect;
pub mod collect_listings;
pub mod cursor;
pub mod documents;
pub mod engine;
pub mod expand;
pub mod fallback;
pub mod feed;
pub mod filter_shelves;
pub mod generations;
pub mod handle;
pub mod highlight;
pub mod index;
pub mod indexer;
#[cfg(test)]
mod judged;
pub mod listing_index;
pub mod model;
pub mod port;
pub mod probe;
pub mod queries;
pub mod queries_repo;
pub mod query;
pub mod ranked;
pub mod reindex;
pub mod repo;
pub mod routes;
pub mod schema;
pub mod segment_memo;
pub mod service;
pub mod shelf_answer;
pub mod view_cache;
pub mod views;
pub mod walk;
