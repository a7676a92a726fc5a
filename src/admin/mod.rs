//! The admin area (issue 17): the operators' HTTP API over what the features keep. Today the
//! audit trail's reader; users, reports, stats and the runtime config follow.

pub mod model;
pub mod routes;
pub mod service;
