//! Resumable uploads (tus 1.0 core + creation + expiration + termination, and API.md's JSON
//! creation and `finish`). Upload state is a PostgreSQL row and every PATCH is stored as a part
//! in the blob store (`uploads/<id>/<offset>`), so any node takes the next chunk (with
//! `file://` storage: nodes sharing the mount). Finishing streams the parts, in order, through
//! the same spool and checks as a direct upload; the upload row goes in the track's
//! transaction, its parts after the commit. Unfinished uploads count against the quota and
//! expire (`tracks.upload_expiry_secs`; the sweeper removes them).

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
