//! Reports and the moderation queue (issue 17): any user reports a message, listing, track,
//! playlist or user; reports of one thing join one open case that keeps a copy of the content;
//! moderators claim and resolve cases, and the resolution really happens.

pub mod actions;
pub mod evidence;
pub mod flagger;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
