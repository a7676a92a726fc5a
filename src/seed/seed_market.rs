//! `veza admin seed-market`: bulk listings for load tests, spread over the seeded categories'
//! leaves, sold by the load users of `veza admin seed`. Deterministic (a fixed xorshift seed),
//! so two runs describe the same market; titles, tags and prices come from small vocabularies
//! so searches and filters hit realistic fractions of the set.

use super::load_users::{LoadError, PREFIX};
use crate::categories::repo as categories_repo;
use crate::config::Config;
use crate::db::schema::{listings, users};
use crate::db::{self};
use crate::listings::model::{Condition, ListingStatus};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;
use veza_core::rng::SeededRng;

const CHUNK: usize = 1000;

pub const BRANDS: &[&str] = &[
    "Fender",
    "Gibson",
    "Yamaha",
    "Roland",
    "Korg",
    "Moog",
    "Boss",
    "Shure",
    "Neumann",
    "Focusrite",
    "Pioneer",
    "Ibanez",
    "Martin",
    "Taylor",
    "Nord",
    "Arturia",
    "Behringer",
    "Marshall",
    "Vox",
    "Sennheiser",
];
pub const NOUNS: &[&str] = &[
    "guitar",
    "bass",
    "synthesizer",
    "amplifier",
    "pedal",
    "microphone",
    "interface",
    "monitor",
    "mixer",
    "drum kit",
    "sample pack",
    "preset bank",
    "keyboard",
    "headphones",
    "cable",
];
const ADJECTIVES: &[&str] =
    &["vintage", "modern", "classic", "custom", "deluxe", "studio", "compact", "analog", "digital", "boutique"];
const TAGS: &[&str] = &[
    "vintage", "analog", "digital", "boutique", "handmade", "usa", "japan", "mint", "boxed", "rare", "classic",
    "studio", "live", "beginner", "pro", "modded", "tube", "stereo",
];

#[derive(Debug, Serialize)]
pub struct SeededMarket {
    pub listings: usize,
    pub sellers: usize,
    pub categories: usize,
}

/// Inserts `n` listings (90 % active, the rest sold or archived) sold by the load users.
pub async fn seed(config: &Config, n: usize) -> Result<SeededMarket, LoadError> {
    let timeout = Duration::from_millis(config.database.connect_timeout_ms);
    let url = config.database.url.clone();
    tokio::task::spawn_blocking(move || db::migrate::prepare(&url, timeout))
        .await
        .map_err(|e| LoadError::Other(e.to_string()))??;
    let mut conn = db::migrate::connect(&config.database.url, timeout).await?;
    let sellers: Vec<Uuid> = users::table
        .filter(users::username.like(format!("{PREFIX}%")))
        .order(users::created_at)
        .select(users::id)
        .load(&mut conn)
        .await?;
    if sellers.is_empty() {
        return Err(LoadError::Other("no load users: run `veza admin seed --users N` first".into()));
    }
    let all = categories_repo::all(&mut conn).await?;
    let parents: HashSet<Uuid> = all.iter().filter_map(|c| c.parent_id).collect();
    let leaves: Vec<Uuid> = all.iter().map(|c| c.id).filter(|id| !parents.contains(id)).collect();
    let mut rng = SeededRng::new(0x5eed_cafe_f00d_d00d);
    for start in (0..n).step_by(CHUNK) {
        let rows: Vec<_> = (start..(start + CHUNK).min(n))
            .map(|i| {
                let title = format!("{} {} {} #{i}", rng.choose(BRANDS), rng.choose(ADJECTIVES), rng.choose(NOUNS));
                let mut tags: Vec<String> = Vec::new();
                for _ in 0..2 + rng.below(3) {
                    let t = rng.choose(TAGS).to_owned();
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                let status = match rng.below(20) {
                    0 => ListingStatus::Sold,
                    1 => ListingStatus::Archived,
                    _ => ListingStatus::Active,
                };
                let currency = match rng.below(10) {
                    0 => "USD",
                    1 => "GBP",
                    _ => "EUR",
                };
                let description = format!(
                    "{} in {} condition, {} sound. Ships from {}.",
                    title,
                    rng.choose(&["great", "fair", "excellent", "working"]),
                    rng.choose(ADJECTIVES),
                    rng.choose(&["Lyon", "Berlin", "Leeds", "Austin", "Osaka"]),
                );
                (
                    listings::id.eq(Uuid::now_v7()),
                    listings::seller_id.eq(sellers[i % sellers.len()]),
                    listings::title.eq(title),
                    listings::description.eq(description),
                    listings::price_amount.eq(500 + (rng.below(5_000) as i64) * 100),
                    listings::currency.eq(currency),
                    listings::category_id.eq(leaves[rng.below(leaves.len())]),
                    listings::tags.eq(tags),
                    listings::condition.eq(Condition::ALL[rng.below(Condition::ALL.len())].as_str()),
                    listings::status.eq(status.as_str()),
                    listings::published_at.eq(Some(chrono::Utc::now())),
                )
            })
            .collect();
        diesel::insert_into(listings::table).values(rows).execute(&mut conn).await?;
    }
    diesel::sql_query("ANALYZE listings").execute(&mut conn).await?;
    Ok(SeededMarket { listings: n, sellers: sellers.len(), categories: leaves.len() })
}
