//! Listings: things for sale with a lifecycle (`model.rs`, one transition table), searched
//! with filters, full text and keyset pagination (`search.rs`), summarised by facets
//! (`facets.rs`). Offers change a listing's status through the same table.

pub mod facet_cache;
pub mod facets;
pub mod model;
pub mod repo;
pub mod routes;
pub mod search;
pub mod service;
