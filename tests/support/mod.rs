//! Test harness: real PostgreSQL (a fresh database per test, cloned from a migrated template),
//! the real app on a random port, HTTP and WebSocket clients, a TCP proxy for outage tests,
//! and the `veza` binary as a child process.
#![allow(dead_code)] // each test binary uses its own subset

pub mod app;
pub mod db;
pub mod oauth_provider;
pub mod otlp;
pub mod process;
pub mod proxy;
pub mod replica;
pub mod ws;

pub use app::TestApp;
pub use db::TestDb;
