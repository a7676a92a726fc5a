//! `/admin/config`: the runtime settings for admins: read, change (typed, validated keys; one
//! version per change), the history with a diff per version, and rollback to a version.

pub mod model;
pub mod routes;
pub mod service;
