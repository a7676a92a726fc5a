//! Offers: a buyer's proposal on a listing, negotiated through the state machine of
//! `model.rs`. Every transition appends to the offer's history, to both parties' activity and
//! goes live to both (`events.rs`); open offers expire through `expiry.rs`.

pub mod events;
pub mod expiry;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
