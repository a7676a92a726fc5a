//! `/admin/stats`: the cluster at a glance, from the rollup and the node heartbeats
//! (`crate::stats`), never a count over a big table per request.

pub mod routes;
pub mod service;
