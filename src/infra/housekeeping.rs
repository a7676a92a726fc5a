//! `Housekeeping`: deletes what has expired — idempotency records past their 24 h, used or
//! expired one-time secrets — so those tables stay small. Any node may run it; the deletes
//! are idempotent.

use crate::db::DbPool;
use crate::db::schema::{idempotency_keys, login_codes, magic_links, oauth_states};
use actix::prelude::*;
use chrono::{Duration as ChronoDuration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
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
    let now = Utc::now();
    let day_ago = now - ChronoDuration::hours(crate::http::idempotency::RETENTION_HOURS);
    let mut n = diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(day_ago)))
        .execute(&mut conn)
        .await?;
    n += diesel::delete(magic_links::table.filter(magic_links::expires_at.lt(day_ago))).execute(&mut conn).await?;
    n += diesel::delete(login_codes::table.filter(login_codes::expires_at.lt(day_ago))).execute(&mut conn).await?;
    n += diesel::delete(oauth_states::table.filter(oauth_states::expires_at.lt(now))).execute(&mut conn).await?;
    Ok(n)
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
