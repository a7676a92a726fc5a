//! The admin area (issue 17): the operators' HTTP API over what the features keep: the audit
//! trail's reader, accounts (`users`), the runtime config (`config`) and the numbers (`stats`).

pub mod config;
pub mod model;
pub mod routes;
pub mod service;
pub mod stats;
pub mod users;
