//! `DependencyMonitor`: a node-level actor that checks PostgreSQL and Redis every
//! `health.check_interval_ms` and reads the RabbitMQ bridge's own link state (so `/health`
//! says what fan-out really has), records the result for `/health` and the
//! `veza_dependency_up` gauge, and logs each transition once. It never stops the node: a
//! dependency that is down is retried on the next tick.

use super::health::{DepState, Dependency, DependencyStatus};
use crate::db::{DbPool, ping};
use crate::metrics::Metrics;
use actix::prelude::*;
use bb8_redis::RedisConnectionManager;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// Connections the checks keep between ticks.
struct Probes {
    redis: Option<bb8::Pool<RedisConnectionManager>>,
    /// Set by the `AmqpBridge` while connected.
    amqp_link: Option<Arc<AtomicBool>>,
}

pub struct DependencyMonitor {
    pool: DbPool,
    status: Arc<DependencyStatus>,
    metrics: Metrics,
    interval: Duration,
    probes: Arc<Mutex<Probes>>,
}

impl DependencyMonitor {
    pub fn new(
        pool: DbPool,
        status: Arc<DependencyStatus>,
        metrics: Metrics,
        interval: Duration,
        redis_url: Option<&str>,
        amqp_link: Option<Arc<AtomicBool>>,
    ) -> Self {
        let timeout = interval.max(Duration::from_millis(500));
        let redis = redis_url.and_then(|url| match RedisConnectionManager::new(url) {
            Ok(m) => Some(bb8::Pool::builder().max_size(1).connection_timeout(timeout).build_unchecked(m)),
            Err(e) => {
                tracing::warn!(error = %e, "redis URL rejected by the client; reporting redis down");
                None
            }
        });
        let probes = Probes { redis, amqp_link };
        DependencyMonitor { pool, status, metrics, interval, probes: Arc::new(Mutex::new(probes)) }
    }

    fn check(&self) -> impl Future<Output = ()> + 'static {
        let (pool, status, metrics, probes) =
            (self.pool.clone(), self.status.clone(), self.metrics.clone(), self.probes.clone());
        let timeout = self.interval.max(Duration::from_millis(500));
        async move {
            // A check still running holds the lock: skip this tick rather than pile up.
            let Ok(mut probes) = probes.try_lock() else {
                return;
            };
            let pg = if ping(&pool, timeout).await.is_ok() { DepState::Ok } else { DepState::Down };
            record(&status, &metrics, Dependency::Postgres, pg);
            if let Some(state) = probes.check_redis(timeout).await {
                record(&status, &metrics, Dependency::Redis, state);
            }
            if let Some(state) = probes.check_amqp() {
                record(&status, &metrics, Dependency::Amqp, state);
            }
        }
    }
}

impl Probes {
    async fn check_redis(&mut self, timeout: Duration) -> Option<DepState> {
        let pool = self.redis.as_ref()?;
        let ping = async {
            let mut conn = pool.get().await.ok()?;
            redis::cmd("PING").query_async::<String>(&mut *conn).await.ok()
        };
        let ok = matches!(tokio::time::timeout(timeout, ping).await, Ok(Some(_)));
        Some(if ok { DepState::Ok } else { DepState::Down })
    }

    fn check_amqp(&self) -> Option<DepState> {
        let up = self.amqp_link.as_ref()?.load(Ordering::Relaxed);
        Some(if up { DepState::Ok } else { DepState::Down })
    }
}

fn record(status: &DependencyStatus, metrics: &Metrics, dep: Dependency, state: DepState) {
    let before = status.set(dep, state);
    metrics.dependency_up.with_label_values(&[dep.name()]).set(i64::from(state == DepState::Ok));
    if dep == Dependency::Redis {
        // Redis away: limits and presence are this node's alone until it answers again.
        metrics.redis_fallback_active.set(i64::from(state == DepState::Down));
    }
    if before != state {
        match state {
            DepState::Down => tracing::warn!(dependency = dep.name(), "dependency down; retrying"),
            _ => {
                tracing::info!(dependency = dep.name(), state = ?state, "dependency state changed")
            }
        }
    }
}

impl Actor for DependencyMonitor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Gauges exist from the start for every configured dependency, before the first check.
        for dep in Dependency::ALL {
            let state = self.status.get(dep);
            if state != DepState::Disabled {
                self.metrics.dependency_up.with_label_values(&[dep.name()]).set(i64::from(state == DepState::Ok));
            }
        }
        ctx.spawn(self.check().into_actor(self));
        ctx.run_interval(self.interval, |this, ctx| {
            ctx.spawn(this.check().into_actor(this));
        });
    }
}

impl Supervised for DependencyMonitor {
    fn restarting(&mut self, _: &mut Self::Context) {
        tracing::warn!("dependency monitor restarting");
    }
}
