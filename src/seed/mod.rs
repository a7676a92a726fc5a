//! Synthetic data for benchmarks and load tests, behind `veza admin seed`, `mint-tokens`,
//! `seed-market` and `seed-search`: users with tokens, a marketplace, a million-listing catalogue
//! with a music vocabulary. Not the admin area (`admin/`, the HTTP API for operators).

pub mod load_users;
pub mod search_vocabulary;
pub mod seed_market;
pub mod seed_search;
