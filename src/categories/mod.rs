//! Categories: a tree (seeded by the marketplace migration) that listings belong to, read by
//! anyone, managed by admins. `tree.rs` answers "which categories are under this one".

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod tree;
