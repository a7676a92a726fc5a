//! Admin users: the accounts list, and suspensions, bans and roles (who may do what to whom in
//! `model::decide`).

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
