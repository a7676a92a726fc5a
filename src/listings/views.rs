//! Listing page views, search's popularity signal for listings: counted in memory on the request
//! path (`infra::tally`, never a write), added to `listings.views` in one statement per
//! `listings.views_flush_ms` by `ViewFlusher`. A node that dies loses at most one interval's
//! counts, which a popularity signal can afford; a page view was never acknowledged as a write.

use crate::db::DbPool;
use crate::infra::tally::Tally;
use actix::prelude::*;
use diesel::sql_types::{Array, BigInt, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use std::time::Duration;
use uuid::Uuid;

/// Adds what `views` counted to `listings.views`; on failure the counts go back for next time.
pub async fn flush(views: &Tally, pool: &DbPool) {
    let counted = views.take();
    if counted.is_empty() {
        return;
    }
    let (ids, n): (Vec<Uuid>, Vec<i64>) = counted.iter().map(|(id, n)| (*id, *n)).unzip();
    let written = match pool.get().await {
        Ok(mut conn) => diesel::sql_query(
            "UPDATE listings l SET views = l.views + v.n \
             FROM unnest($1::uuid[], $2::bigint[]) AS v(id, n) WHERE l.id = v.id",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<BigInt>, _>(n)
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = written {
        tracing::warn!(error = %e, listings = counted.len(), "listing views not written; kept for the next flush");
        views.restore(counted);
    }
}

/// Writes the node's counted views every `every`.
pub struct ViewFlusher {
    pool: DbPool,
    views: Tally,
    every: Duration,
}

impl ViewFlusher {
    pub fn new(pool: DbPool, views: Tally, every: Duration) -> ViewFlusher {
        ViewFlusher { pool, views, every }
    }
}

impl Actor for ViewFlusher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.every, |act, ctx| {
            let (views, pool) = (act.views.clone(), act.pool.clone());
            // One flush at a time: the next tick waits for this one.
            ctx.wait(async move { flush(&views, &pool).await }.into_actor(act));
        });
    }

    fn stopping(&mut self, _: &mut Context<Self>) -> Running {
        // A draining node writes what it counted before it goes.
        let (views, pool) = (self.views.clone(), self.pool.clone());
        actix::spawn(async move { flush(&views, &pool).await });
        Running::Stop
    }
}

impl actix::Supervised for ViewFlusher {}
