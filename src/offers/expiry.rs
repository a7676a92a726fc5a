//! `OfferExpiry`: the scheduler that expires open offers whose answer is overdue
//! (`expires_at`, set to `offers.expiry_secs` after each proposal). Every node runs one; due
//! rows are taken with `FOR UPDATE SKIP LOCKED`, so nodes share the work and never expire an
//! offer twice, and a transition holding an offer's lock is simply skipped until next time
//! (it may well be the answer that saves it).

use super::events;
use super::repo;
use crate::chat::runtime::Realtime;
use crate::db::DbPool;
use crate::metrics::Metrics;
use actix::prelude::*;
use diesel_async::AsyncConnection;
use std::time::Duration;
use veza_core::OfferId;

pub struct OfferExpiry {
    pool: DbPool,
    realtime: Realtime,
    metrics: Metrics,
    interval: Duration,
    batch: u32,
}

impl OfferExpiry {
    pub fn new(pool: DbPool, realtime: Realtime, metrics: Metrics, interval: Duration, batch: u32) -> Self {
        OfferExpiry { pool, realtime, metrics, interval, batch }
    }
}

/// Expires one batch of due offers (history and activity in the same transaction), then
/// pushes each to both parties. Returns how many expired.
pub async fn run_once(pool: &DbPool, realtime: &Realtime, metrics: &Metrics, batch: u32) -> Result<usize, String> {
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    let ids = conn
        .transaction::<Vec<OfferId>, diesel::result::Error, _>(async |conn| {
            let expired = repo::expire_due(conn, batch).await?;
            for o in &expired {
                events::record(conn, o, None, "expired", None).await?;
            }
            Ok(expired.into_iter().map(|o| o.id).collect())
        })
        .await
        .map_err(|e| e.to_string())?;
    events::announce_updated(&mut conn, realtime, metrics, &ids).await;
    Ok(ids.len())
}

impl Actor for OfferExpiry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |this, ctx| {
            let (pool, realtime, metrics, batch) =
                (this.pool.clone(), this.realtime.clone(), this.metrics.clone(), this.batch);
            // `wait`: one sweep at a time per node, however slow the database is.
            ctx.wait(
                async move {
                    match run_once(&pool, &realtime, &metrics, batch).await {
                        Ok(0) => {}
                        Ok(n) => tracing::debug!(offers = n, "offers expired"),
                        Err(e) => tracing::warn!(error = %e, "offer expiry failed"),
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for OfferExpiry {}
