//! Playlists: ordered by fractional keys (`keys.rs`), changed under the row's lock against the
//! version the client read (`If-Match`), pushed live to the owner (`playlist.updated`).

pub mod keys;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
