//! The code tonic and prost generate from `proto/veza/server/v1/server.proto` (see `build.rs`).

#![allow(clippy::all, clippy::pedantic, clippy::unwrap_used, clippy::expect_used, missing_docs)]

tonic::include_proto!("veza.server.v1");

/// The encoded descriptor set of the `.proto`, served by gRPC reflection.
pub const DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("veza_server_v1_descriptor");
