//! Users: profiles, preferences, friends, blocks (the rule in `blocking.rs`), activity.

pub mod blocking;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
