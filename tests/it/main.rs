//! Integration tests: one binary (linking is the slow part on 2 cores), one module per area.
//! Every test talks to the real PostgreSQL (and Redis/RabbitMQ where it says) on its own database.

// A failed unwrap in a test is a failed test; the helper modules under tests/ are covered here
// (clippy's allow-unwrap-in-tests reaches only #[test] and #[cfg(test)] code).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod admin_audit;
mod admin_config;
mod admin_stats;
mod admin_users;
mod audit_chain;
mod auth;
mod authz;
mod automod;
mod chat;
mod chat_integrity;
mod chat_load;
mod cluster;
mod errors;
mod golden;
mod hardening;
mod harness;
mod idempotency;
mod listings;
mod listings_index;
mod magic_oauth;
mod market;
mod middleware;
mod multinode;
mod offers;
mod ops;
mod partitioned;
mod playlists;
mod process;
mod rate_limit;
mod readiness;
mod redis_limits;
mod replica;
mod reports;
mod routes;
mod search_api;
mod search_changes;
mod search_reindex;
mod search_shown;
mod server_api;
mod server_api_grpc;
mod site;
mod storage;
mod telemetry;
mod tokens;
mod tracks;
mod tracks_library;
mod uploads;
mod users;
