//! Listings: things for sale with a lifecycle (`model.rs`, one transition table), searched
//! with filters, full text and keyset pagination (`query.rs` checks the query string,
//! `search.rs` compiles it to SQL), summarised by facets
//! (`facets.rs`). Offers change a listing's status through the same table.

pub mod facet_cache;
pub mod facets;
pub mod model;
pub mod query;
pub mod removal;
pub mod repo;
pub mod routes;
pub mod search;
pub mod service;
pub mod views;
