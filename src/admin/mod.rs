//! Operator tools behind `veza admin …` (the admin HTTP API arrives with its own issue).

pub mod load_users;
pub mod search_vocabulary;
pub mod seed_market;
pub mod seed_search;
