//! `Housekeeping`: deletes what has expired — idempotency records past their 24 h, used or
//! expired one-time secrets — so those tables stay small. Any node may run it; the deletes
//! are idempotent.

use crate::db::DbPool;
use crate::db::expired;
use actix::prelude::*;
use chrono::Utc;
use diesel::QueryResult;
use std::time::Duration;

pub struct Housekeeping {
    pool: DbPool,
    interval: Duration,
}

impl Housekeeping {
    pub fn new(pool: DbPool, interval: Duration) -> Self {
        Housekeeping { pool, interval }
    }
}

/// Deletes expired rows; returns how many.
pub async fn sweep(pool: &DbPool) -> QueryResult<usize> {
    let Ok(mut conn) = pool.get().await else { return Ok(0) };
    expired::delete_expired(&mut conn, Utc::now()).await
}

impl Actor for Housekeeping {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |this, ctx| {
            let pool = this.pool.clone();
            ctx.spawn(
                async move {
                    match sweep(&pool).await {
                        Ok(0) => {}
                        Ok(n) => tracing::debug!(rows = n, "housekeeping: expired rows deleted"),
                        Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for Housekeeping {}
