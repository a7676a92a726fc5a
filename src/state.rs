//! What every handler can reach: shared, cheap to clone, built once per node.

use crate::auth::denylist::Denylist;
use crate::auth::keys::KeyRing;
use crate::auth::password::Hasher;
use crate::chat::runtime::Realtime;
use crate::config::Config;
use crate::db::DbPool;
use crate::infra::blobs::BlobStore;
use crate::infra::cache::ReadCache;
use crate::infra::health::DependencyStatus;
use crate::infra::reads::Reads;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::settings::Settings;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    /// Read-only queries: the replica when it may answer (`infra::reads`), else `pool`.
    pub reads: Reads,
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
    /// Where track audio and cover art live.
    pub blobs: BlobStore,
    /// Permits for decode passes (`tracks.processing_concurrency`): uploads beyond wait.
    pub processing: Arc<tokio::sync::Semaphore>,
    /// The node's search index: ready or not, its store, its writer's inbox.
    pub search: crate::search::handle::SearchHandle,
    /// Things automatic moderation flagged, on their way to a report case.
    pub flags: crate::automod::FlagQueue,
    /// Listing page views counted, not yet written.
    pub listing_views: crate::infra::tally::Tally,
    /// Users seen (authenticated requests, WebSockets), not yet written.
    pub active_users: crate::stats::active_users::ActiveUsers,
    /// Set once the node starts draining (`/ready` answers 503 from then on).
    pub draining: DrainFlag,
}

/// Whether the node is draining; starts false.
#[derive(Clone, Default)]
pub struct DrainFlag(Arc<AtomicBool>);

impl AppState {
    pub fn is_draining(&self) -> bool {
        self.draining.0.load(Ordering::Acquire)
    }

    /// From now on `/ready` answers 503 `draining`.
    pub fn start_draining(&self) {
        self.draining.0.store(true, Ordering::Release);
        self.metrics.draining.set(1);
    }
}
