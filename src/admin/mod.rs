//! The admin area (issue 17): the operators' HTTP API over what the features keep: the audit
//! trail's reader, and accounts (`users`). Reports, stats and the runtime config follow.

pub mod config;
pub mod model;
pub mod routes;
pub mod service;
pub mod users;
