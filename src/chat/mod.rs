//! Chat: rooms, members, messages and the WebSocket endpoint. The realtime actors live in
//! `veza-actors`; this module implements their ports (`store.rs`, `policy.rs`), assembles
//! them (`runtime.rs`) and serves REST and `/ws`.

pub mod batch;
pub mod model;
pub mod policy;
pub mod removal;
pub mod repo;
pub mod routes;
pub mod runtime;
pub mod service;
pub mod store;
pub mod ws;
