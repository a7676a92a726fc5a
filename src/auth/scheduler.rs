//! Node-level auth actors: `KeyRotator` (rotation under a lock, key reload) and
//! `DenylistRefresher`. Both are handed to the `NodeSupervisor`.

use super::denylist::Denylist;
use super::keys::KeyRing;
use crate::db::DbPool;
use actix::prelude::*;
use std::time::Duration;

pub struct KeyRotator {
    keys: KeyRing,
    interval: Duration,
}

impl KeyRotator {
    pub fn new(keys: KeyRing, interval: Duration) -> Self {
        KeyRotator { keys, interval }
    }
}

impl Actor for KeyRotator {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |this, ctx| {
            let keys = this.keys.clone();
            ctx.spawn(
                async move {
                    if let Err(e) = keys.rotate_if_due(false).await {
                        tracing::warn!(error = %e, "key rotation check failed");
                    }
                    if let Err(e) = keys.reload().await {
                        tracing::warn!(error = %e, "key reload failed");
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for KeyRotator {}

pub struct DenylistRefresher {
    denylist: Denylist,
    pool: DbPool,
    interval: Duration,
    ttl: Duration,
    ticks: u64,
}

/// With Redis answering, PostgreSQL (the source of truth) is reread every this many ticks.
const PG_EVERY_WITH_REDIS: u64 = 10;

impl DenylistRefresher {
    pub fn new(denylist: Denylist, pool: DbPool, interval: Duration, ttl: Duration) -> Self {
        DenylistRefresher { denylist, pool, interval, ttl, ticks: 0 }
    }
}

impl Actor for DenylistRefresher {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |this, ctx| {
            this.ticks += 1;
            let (d, pool, ttl, tick) = (this.denylist.clone(), this.pool.clone(), this.ttl, this.ticks);
            ctx.spawn(
                async move {
                    let redis_answered = d.refresh_from_redis().await;
                    if (!redis_answered || tick.is_multiple_of(PG_EVERY_WITH_REDIS))
                        && let Err(e) = d.refresh(&pool, ttl).await
                    {
                        tracing::warn!(error = %e, "denylist refresh failed");
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for DenylistRefresher {}
