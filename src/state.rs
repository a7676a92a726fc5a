//! What every handler can reach: shared, cheap to clone, built once per node.

use crate::config::Config;
use crate::db::DbPool;
use crate::infra::health::DependencyStatus;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    pub deps: Arc<DependencyStatus>,
    draining: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(
        config: Arc<Config>,
        pool: DbPool,
        metrics: Metrics,
        limiter: RateLimiter,
        deps: Arc<DependencyStatus>,
    ) -> Self {
        AppState {
            config,
            pool,
            metrics,
            limiter,
            deps,
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
