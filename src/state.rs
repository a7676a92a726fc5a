//! What every handler can reach: shared, cheap to clone, built once per node.

use crate::auth::denylist::Denylist;
use crate::auth::keys::KeyRing;
use crate::auth::password::Hasher;
use crate::chat::runtime::Realtime;
use crate::config::Config;
use crate::db::DbPool;
use crate::infra::cache::ReadCache;
use crate::infra::health::DependencyStatus;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::settings::Settings;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    pub deps: Arc<DependencyStatus>,
    pub keys: KeyRing,
    pub denylist: Denylist,
    pub hasher: Hasher,
    /// Outgoing HTTP (OAuth providers).
    pub http: reqwest::Client,
    pub settings: Settings,
    pub realtime: Realtime,
    /// Hot reads (public profiles, room rows), invalidated on write on every node.
    pub cache: ReadCache,
    draining: Arc<AtomicBool>,
}

/// Everything `AppState` is made of, built by `node::start`.
pub struct StateParts {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    pub deps: Arc<DependencyStatus>,
    pub keys: KeyRing,
    pub denylist: Denylist,
    pub hasher: Hasher,
    pub http: reqwest::Client,
    pub settings: Settings,
    pub realtime: Realtime,
    pub cache: ReadCache,
}

impl AppState {
    pub fn new(p: StateParts) -> Self {
        AppState {
            config: p.config,
            pool: p.pool,
            metrics: p.metrics,
            limiter: p.limiter,
            deps: p.deps,
            keys: p.keys,
            denylist: p.denylist,
            hasher: p.hasher,
            http: p.http,
            settings: p.settings,
            realtime: p.realtime,
            cache: p.cache,
            draining: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// From now on `/ready` answers 503 `draining`.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Release);
        self.metrics.draining.set(1);
    }
}
