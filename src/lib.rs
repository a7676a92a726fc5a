//! Veza: a realtime backend for a music community with a marketplace.
//! `node` builds a node; `http` is its edge; `db`, `infra` reach what it depends on.

pub mod accounts;
pub mod activity;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod automod;
pub mod categories;
pub mod chat;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod infra;
pub mod listings;
pub mod logging;
pub mod metrics;
pub mod money;
pub mod node;
pub mod offers;
pub mod patch;
pub mod playlists;
pub mod ratelimit;
pub mod reports;
pub mod search;
pub mod seed;
pub mod server_api;
pub mod service;
pub mod settings;
pub mod state;
pub mod stats;
pub mod telemetry;
pub mod tracks;
pub mod users;
pub mod web;
