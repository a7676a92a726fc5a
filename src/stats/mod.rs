//! The operators' numbers behind `GET /admin/stats`, kept so that a request never counts a big
//! table: each node's heartbeat (`heartbeat`, `nodes`), who was active (`active_users`), hourly
//! counts of messages and plays by id range (`hourly`), and the rollup one node recomputes every
//! `stats.rollup_ms` (`rollup`, `repo`). Reads tables, never features' code.

pub mod active_users;
pub mod heartbeat;
pub mod hourly;
pub mod model;
pub mod nodes;
pub mod repo;
pub mod rollup;
