//! The server API (issue 18): what another service of an operator's may do in Veza with an API
//! key (publish into rooms, push to users, read presence and history, change memberships,
//! disconnect users, watch a room), over gRPC (`grpc/`) and as JSON under `/api/v1/server/…`
//! (`routes.rs`), both sending messages to `ServerApiService`.

pub mod admin;
pub mod grpc;
pub mod keys;
pub mod members;
pub mod model;
pub mod publish;
pub mod repo;
pub mod routes;
pub mod service;
