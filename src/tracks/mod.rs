//! Tracks: audio uploads decided by their content, metadata, waveform, Range streaming.
//! Flow (ARCHITECTURE.md): upload -> spool (hash, sniff, bounds) -> decode on the blocking pool
//! (metadata, peaks, loudness) -> store the blob (content-addressed, reference-counted) -> row.

pub mod blob_refs;
pub mod cover;
pub mod library;
pub mod library_routes;
pub mod limits;
pub mod listens;
pub mod model;
pub mod probe;
pub mod processor;
pub mod range;
pub mod repo;
pub mod routes;
pub mod search;
pub mod service;
pub mod signed;
pub mod sniff;
pub mod spool;
pub mod spool_writer;
pub mod stream;
pub mod sweeper;
pub mod tus;
pub mod waveform;
