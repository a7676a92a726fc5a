//! Builds one node: database, pools, the actor tree and the HTTP server; runs it until a
//! signal, then drains in the order of ARCHITECTURE.md §1.

mod drain;
mod listener;
mod node_events;

pub use drain::NodeHandle;

use crate::audit::anchor::{AnchorKeys, AuditAnchorer};
use crate::auth::denylist::Denylist;
use crate::auth::keys::{KeyPolicy, KeyRing};
use crate::auth::password::Hasher;
use crate::auth::scheduler::{DenylistRefresher, KeyRotator};
use crate::auth::suspension::SuspensionLifter;
use crate::automod::pace::Timeouts;
use crate::automod::{self, FlagQueue};
use crate::chat::policy::{ChatPolicy, PolicyParts};
use crate::chat::runtime::{Realtime, RealtimeParts};
use crate::chat::store::PgChatStore;
use crate::config::{Config, redact_url};
use crate::db::{self, DbError, DbPool};
use crate::http;
use crate::infra::amqp::AmqpBridge;
use crate::infra::blobs::{BlobStore, S3Settings};
use crate::infra::cache::ReadCache;
use crate::infra::events::{self, NodeBus, NodeInbox};
use crate::infra::health::DependencyStatus;
use crate::infra::housekeeping::Housekeeping;
use crate::infra::mail::Mailer;
use crate::infra::monitor::DependencyMonitor;
use crate::infra::reads::{Reads, ReadsParts};
use crate::infra::redis::Redis;
use crate::infra::redis_presence::RedisRoomPresence;
use crate::infra::replica::{MonitorParts, Replica, ReplicaMonitor};
use crate::infra::tally::Tally;
use crate::listings::views::ViewFlusher;
use crate::metrics::{Metrics, MetricsError};
use crate::offers::expiry::OfferExpiry;
use crate::ratelimit::{RateLimiter, RedisStore};
use crate::reports;
use crate::search::handle::SearchHandle;
use crate::search::indexer::Indexer;
use crate::search::queries::{QueryLog, QueryRecorder};
use crate::settings::{Settings, SettingsWatcher};
use crate::state::AppState;
use crate::stats::active_users::ActiveUsers;
use crate::stats::heartbeat::{NodeHeartbeat, NodeIdentity, Sources};
use crate::stats::rollup::{StatsRollup, Timing};
use crate::tracks::sweeper::BlobSweeper;
use actix::{Addr, AsyncContext};
use actix_web::{HttpServer, web};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use veza_actors::NodeSupervisor;
use veza_actors::ports::RoomPresence;
use veza_actors::stats::ChatStats;

/// Errors that stop a node from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("auth setup: {0}")]
    Auth(String),
    #[error("runtime settings: {0}")]
    Settings(String),
    #[error("track storage: {0}")]
    Storage(String),
    #[error("server: {0}")]
    Server(#[from] std::io::Error),
    #[error(transparent)]
    Grpc(#[from] crate::server_api::grpc::GrpcError),
}

/// A started node: its address, its shared state, and the handle that drains it.
pub struct RunningNode {
    pub addr: SocketAddr,
    pub handle: NodeHandle,
    server: actix_rt::task::JoinHandle<std::io::Result<()>>,
}

/// Prepares the database (create + migrate, under advisory locks), then starts everything.
/// Must run inside an actix `System`. Each step builds what the next ones are handed: nothing
/// is filled in afterwards.
pub async fn start(config: Config) -> Result<RunningNode, NodeError> {
    let config = Arc::new(config);
    prepare_database(&config).await?;
    let blobs = open_blobs(&config)?;
    let pool = db::build_pool(&config.database.url, config.database.pool_size, connect_timeout(&config));
    let metrics = Metrics::new(config.node_id())?;
    let deps = Arc::new(DependencyStatus::new(
        config.redis.url.is_some(),
        config.amqp.url.is_some(),
        config.database.read_url.is_some(),
    ));
    let redis = connect_redis(&config);
    announce_mode(&config);

    let mut supervisor = NodeSupervisor::new();
    let amqp_link = Arc::new(AtomicBool::new(false));
    // The bus first: whatever publishes or applies a node event is handed it.
    let (inbox, inbox_rx) = events::inbox();
    let bridge = start_bridge(&config, &supervisor, amqp_link.clone(), inbox.clone(), &metrics);
    let bus = NodeBus::new(inbox, bridge.clone().map(Addr::recipient));

    let auth = start_auth(&config, &pool, bus.clone(), redis.clone()).await?;
    let timeouts = Timeouts::kept_in(bus.clone(), pool.clone()).await.map_err(DbError::Query)?;
    let (flags, flag_inbox) = automod::flag_queue();
    let settings = Settings::pinned(&config.setting_locks).map_err(|e| NodeError::Settings(e.to_string()))?;
    settings.refresh(&pool).await.map_err(DbError::Query)?;
    let limiter = match &redis {
        Some(r) => RateLimiter::redis(RedisStore::new(r.clone())),
        None => RateLimiter::local(),
    };
    let cache = ReadCache::new(redis.clone(), Duration::from_millis(config.redis.cache_ttl_ms), bus.clone());
    supervise_background(&supervisor, &config, &pool, (&metrics, &deps), &auth, &settings, amqp_link);

    // The supervisor's address exists before it runs: sessions register drain hooks with it.
    let reads = start_reads(&config, &supervisor, &pool, redis.clone(), (&metrics, &deps));
    let supervisor_ctx = actix::Context::<NodeSupervisor>::new();
    let chat_stats = ChatStats::new().map_err(MetricsError::from)?;
    chat_stats.register(metrics.registry()).map_err(MetricsError::from)?;
    let realtime = Realtime::start(RealtimeParts {
        config: &config.chat,
        store: PgChatStore::new(pool.clone(), auth.denylist.clone(), reads.clone()),
        policy: Arc::new(chat_policy(&config, &limiter, &settings, timeouts.clone(), flags.clone())),
        stats: chat_stats,
        supervisor: &supervisor,
        supervisor_addr: supervisor_ctx.address(),
        bridge,
        bus,
        node_id: config.node_id().to_owned(),
        room_presence: room_presence(&config, redis),
    });
    // From here on, the events queued since the bus was made are applied, then each as it comes.
    inbox_rx.run(node_events::applier(settings.clone(), pool.clone(), auth.denylist.clone(), cache.clone(), timeouts));
    reports::flagger::start(flag_inbox, pool.clone(), realtime.clone());
    let (p, rt, m, offers) = (pool.clone(), realtime.clone(), metrics.clone(), config.offers.clone());
    supervisor.supervise(move |_| {
        OfferExpiry::new(p, rt, m.clone(), Duration::from_millis(offers.expiry_check_ms), offers.expiry_batch)
    });
    let (p, b, every) = (pool.clone(), blobs.clone(), Duration::from_millis(config.tracks.sweep_interval_ms));
    supervisor.supervise(move |_| BlobSweeper::new(p, b, every));
    let search = start_search(&config, &mut supervisor, &pool, &metrics);
    let listing_views = Tally::default();
    let (p, v, every) =
        (pool.clone(), listing_views.clone(), Duration::from_millis(config.listings.views_flush_ms.max(1)));
    supervisor.supervise(move |_| ViewFlusher::new(p, v.clone(), every));
    let active_users = start_stats(&config, &supervisor, &pool, &realtime);
    let supervisor = supervisor_ctx.run(supervisor);

    let processing = Arc::new(tokio::sync::Semaphore::new(config.tracks.processing_concurrency));
    let state = AppState {
        config: config.clone(),
        pool,
        reads,
        metrics,
        limiter,
        deps,
        keys: auth.keys,
        denylist: auth.denylist,
        hasher: auth.hasher,
        http: http_client()?,
        settings,
        realtime,
        cache,
        blobs,
        processing,
        search,
        flags,
        listing_views,
        active_users,
        draining: Default::default(),
    };
    let grpc = crate::server_api::grpc::start(&state).await?;
    serve(state, supervisor, grpc)
}

/// Where read-only queries go: the replica of `database.read_url` (watched for lag) when set.
fn start_reads(
    config: &Config,
    supervisor: &NodeSupervisor,
    pool: &DbPool,
    redis: Option<Redis>,
    (metrics, deps): (&Metrics, &Arc<DependencyStatus>),
) -> Reads {
    let db = &config.database;
    let max_lag = Duration::from_millis(db.max_replica_lag_ms);
    // A replica that does not give a connection within half a second is passed over for the
    // primary: its checkouts must not hold a read for the whole connect timeout.
    let quick = connect_timeout(config).min(Duration::from_millis(500));
    let replica = db
        .read_url
        .as_deref()
        .map(|url| Replica { pool: db::build_pool(url, db.pool_size, quick), state: Default::default() });
    if let (Some(r), Some(url)) = (&replica, db.read_url.as_deref()) {
        let parts = MonitorParts {
            replica: r.clone(),
            probe_primary: db::build_pool(&db.url, 1, connect_timeout(config)),
            probe_replica: db::build_pool(url, 1, connect_timeout(config)),
            max_lag,
            interval: Duration::from_millis(config.health.check_interval_ms.min(1000)),
            deps: deps.clone(),
            metrics: metrics.clone(),
        };
        supervisor.supervise(move |_| ReplicaMonitor::new(parts));
    }
    Reads::new(ReadsParts {
        primary: pool.clone(),
        replica,
        redis,
        deps: deps.clone(),
        wait: Duration::from_millis(db.read_your_writes_wait_ms),
        max_lag,
        metrics: metrics.clone(),
    })
}

/// The node's heartbeat (with the users it saw) and its share of the stats rollup.
fn start_stats(config: &Config, supervisor: &NodeSupervisor, pool: &DbPool, realtime: &Realtime) -> ActiveUsers {
    let s = &config.stats;
    let active = ActiveUsers::new(Duration::from_secs(s.activity_granularity_secs));
    let me = NodeIdentity {
        node: config.node_id().to_owned(),
        version: env!("CARGO_PKG_VERSION"),
        started_at: chrono::Utc::now(),
    };
    let sources = Sources {
        stats: realtime.session.stats.clone(),
        presence: realtime.session.presence.clone(),
        active: active.clone(),
    };
    let (p, every) = (pool.clone(), Duration::from_millis(s.heartbeat_ms));
    supervisor.supervise(move |_| NodeHeartbeat::new(p, me, sources, every));
    let (p, node, timing) = (pool.clone(), config.node_id().to_owned(), Timing::of(s));
    supervisor.supervise(move |_| StatsRollup::new(p, node, timing));
    active
}

/// The node's search index writer, on a thread of its own (its index in
/// `<search.dir>/<node id>`), and the recorder of searches for popular queries.
fn start_search(
    config: &Config,
    supervisor: &mut NodeSupervisor,
    pool: &db::DbPool,
    metrics: &Metrics,
) -> SearchHandle {
    let s = &config.search;
    let (queries, rx) = QueryLog::channel(s.query_log_capacity, metrics.search_queries_dropped.clone());
    let (p, every) = (pool.clone(), Duration::from_millis(s.commit_ms));
    supervisor.supervise(move |_| QueryRecorder::new(p, rx.clone(), every));
    let search = SearchHandle::new(s.max_concurrent, s.filter_shelf_min_listings, queries);
    let dir = config.search_index_dir();
    let (p, h, budget, every) =
        (pool.clone(), search.clone(), s.writer_budget_bytes, Duration::from_millis(s.commit_ms));
    let keep = Duration::from_secs(s.keep_changes_hours.saturating_mul(3600));
    let indexer = supervisor.supervise_alone(move |_| Indexer::new(p, h, dir, budget, every, keep));
    search.set_indexer(indexer.recipient());
    search
}

/// The track blob store of `tracks.storage_url`; a store that cannot open stops the node.
fn open_blobs(config: &Config) -> Result<BlobStore, NodeError> {
    let t = &config.tracks;
    let s3 = S3Settings {
        endpoint: (!t.s3.endpoint.is_empty()).then(|| t.s3.endpoint.clone()),
        region: t.s3.region.clone(),
        access_key_id: t.s3.access_key_id.clone(),
        secret_access_key: t.s3.secret_access_key.clone(),
        allow_http: t.s3.allow_http,
    };
    BlobStore::open(&t.storage_url, &s3).map_err(|e| NodeError::Storage(e.to_string()))
}

fn connect_timeout(config: &Config) -> Duration {
    Duration::from_millis(config.database.connect_timeout_ms)
}

/// Creates the database if missing and applies the embedded migrations.
async fn prepare_database(config: &Config) -> Result<(), NodeError> {
    let (url, timeout) = (config.database.url.clone(), connect_timeout(config));
    let prepared = tokio::task::spawn_blocking(move || db::migrate::prepare(&url, timeout))
        .await
        .map_err(|e| DbError::Migration(format!("migration task: {e}")))??;
    tracing::info!(
        database = %redact_url(&config.database.url),
        created = prepared.created_database,
        applied = prepared.applied.len(),
        "database ready"
    );
    Ok(())
}

/// The node's Redis handle, when `redis.url` is set and well-formed.
fn connect_redis(config: &Config) -> Option<Redis> {
    let rc = &config.redis;
    let url = rc.url.as_deref()?;
    Redis::new(url, &rc.key_prefix, Duration::from_millis(rc.timeout_ms))
        .inspect_err(|e| tracing::warn!(error = %e, "redis.url rejected; limits, presence and cache stay local"))
        .ok()
}

/// The broker link, when `amqp.url` is set; node events it receives go to `inbox`.
fn start_bridge(
    config: &Config,
    supervisor: &NodeSupervisor,
    link: Arc<AtomicBool>,
    inbox: NodeInbox,
    metrics: &Metrics,
) -> Option<Addr<AmqpBridge>> {
    let url = config.amqp.url.clone()?;
    let (exchange, node, metrics) = (config.amqp.exchange.clone(), config.node_id().to_owned(), metrics.clone());
    Some(supervisor.supervise(move |_| AmqpBridge::new(url, exchange, node, link, inbox, metrics)))
}

/// What auth needs at run time: the signing keys (ready), the denylist (loaded), the hasher.
struct AuthParts {
    keys: KeyRing,
    denylist: Denylist,
    hasher: Hasher,
}

async fn start_auth(
    config: &Config,
    pool: &DbPool,
    bus: NodeBus,
    redis: Option<Redis>,
) -> Result<AuthParts, NodeError> {
    let keys = KeyRing::ready(pool.clone(), KeyPolicy::from_config(&config.jwt))
        .await
        .map_err(|e| NodeError::Auth(e.to_string()))?;
    let denylist = Denylist::new(bus, redis);
    denylist.refresh(pool, Duration::from_secs(config.jwt.access_ttl_secs)).await.map_err(DbError::Query)?;
    let a = &config.auth;
    let hasher = Hasher::new(a.argon2_memory_kib, a.argon2_iterations, a.argon2_parallelism)
        .map_err(|e| NodeError::Auth(e.to_string()))?;
    Ok(AuthParts { keys, denylist, hasher })
}

/// The node-level actors that run on their own clock.
fn supervise_background(
    supervisor: &NodeSupervisor,
    config: &Config,
    pool: &DbPool,
    (metrics, deps): (&Metrics, &Arc<DependencyStatus>),
    auth: &AuthParts,
    settings: &Settings,
    amqp_link: Arc<AtomicBool>,
) {
    let interval = Duration::from_millis(config.health.check_interval_ms);
    let redis_url = config.redis.url.clone();
    let link = config.amqp.url.as_ref().map(|_| amqp_link);
    let (p, m, d) = (pool.clone(), metrics.clone(), deps.clone());
    supervisor.supervise(move |_| DependencyMonitor::new(p, d, m, interval, redis_url.as_deref(), link));
    let (k, key_interval) = (auth.keys.clone(), Duration::from_millis(config.jwt.key_check_interval_ms));
    supervisor.supervise(move |_| KeyRotator::new(k, key_interval));
    let deny_interval = Duration::from_millis(config.auth.denylist_refresh_ms);
    let access_ttl = Duration::from_secs(config.jwt.access_ttl_secs);
    let (p, dl) = (pool.clone(), auth.denylist.clone());
    supervisor.supervise(move |_| DenylistRefresher::new(dl, p, deny_interval, access_ttl));
    let (p, dl) = (pool.clone(), auth.denylist.clone());
    let every = Duration::from_secs(config.auth.suspension_check_secs);
    supervisor.supervise(move |_| SuspensionLifter::new(p, dl, every));
    let mail = config.mail.clone();
    let p = pool.clone();
    supervisor.supervise(move |_| {
        Mailer::new(p, mail.from.clone(), mail.smtp_url.as_deref(), Duration::from_millis(mail.poll_interval_ms))
    });
    let p = pool.clone();
    supervisor.supervise(move |_| Housekeeping::new(p, Duration::from_secs(60)));
    let (p, s) = (pool.clone(), settings.clone());
    let poll = Duration::from_millis(config.node.settings_poll_ms);
    supervisor.supervise(move |_| SettingsWatcher::new(s, p, poll));
    let (p, node) = (pool.clone(), config.node_id().to_owned());
    let anchor_keys: Arc<dyn AnchorKeys> = Arc::new(auth.keys.clone());
    let every = Duration::from_secs(config.audit.anchor_secs);
    supervisor.supervise(move |_| AuditAnchorer::new(p, anchor_keys, node, every));
}

fn chat_policy(
    config: &Config,
    limiter: &RateLimiter,
    settings: &Settings,
    timeouts: Timeouts,
    flags: FlagQueue,
) -> ChatPolicy {
    let chat = &config.chat;
    ChatPolicy::new(PolicyParts {
        limiter: limiter.clone(),
        settings: settings.clone(),
        per_minute: chat.send_per_minute,
        burst: chat.send_burst,
        typing_every: Duration::from_millis(chat.typing_interval_ms),
        timeouts,
        flags,
    })
}

/// Who is online in each room across nodes, when Redis is there.
fn room_presence(config: &Config, redis: Option<Redis>) -> Option<Arc<dyn RoomPresence>> {
    let ttl = Duration::from_millis(config.redis.presence_ttl_ms);
    redis.map(|r| RedisRoomPresence::new(r, config.node_id().to_owned(), ttl) as Arc<dyn RoomPresence>)
}

/// Binds the listener and starts the HTTP workers.
fn serve(
    state: AppState,
    supervisor: Addr<NodeSupervisor>,
    grpc: Option<crate::server_api::grpc::GrpcServer>,
) -> Result<RunningNode, NodeError> {
    let config = state.config.clone();
    let server_cfg = &config.server;
    let listener = listener::bind(
        &server_cfg.host,
        server_cfg.port,
        server_cfg.socket_send_buffer_bytes,
        Duration::from_millis(server_cfg.tcp_user_timeout_ms),
    )
    .map_err(|source| NodeError::Bind { addr: format!("{}:{}", server_cfg.host, server_cfg.port), source })?;
    let addr = listener.local_addr()?;
    let open_files = veza_core::limits::raise_open_files();

    let data = web::Data::new(state.clone());
    let doc = http::openapi_doc();
    let site = web::Data::new(http::site::Site::load(&config.web.dir));
    let grace_secs = config.drain.grace_ms.div_ceil(1000).max(1);
    let server = HttpServer::new(move || http::build_app(data.clone(), doc.clone(), site.clone()))
        .workers(config.workers())
        .disable_signals()
        .shutdown_timeout(grace_secs)
        .keep_alive(Duration::from_secs(server_cfg.keep_alive_secs))
        .listen(listener)?
        .run();
    let server_handle = server.handle();
    let server = actix_rt::spawn(server);
    tracing::info!(%addr, node = config.node_id(), env = %config.env, workers = config.workers(), open_files, "listening");
    Ok(RunningNode { addr, handle: NodeHandle::new(state, server_handle, supervisor, grpc), server })
}

/// Outgoing HTTPS client (rustls with ring; no system TLS library).
fn http_client() -> Result<reqwest::Client, NodeError> {
    // Installing twice is harmless: the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("veza/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NodeError::Auth(format!("http client: {e}")))
}

/// Says once what this node runs without.
fn announce_mode(config: &Config) {
    match (&config.redis.url, &config.amqp.url) {
        (None, None) => tracing::info!(
            "running alone: no amqp.url and no redis.url; fan-out, rate limits, presence and cache stay in this process"
        ),
        (None, Some(_)) => {
            tracing::info!("no redis.url: rate limits, presence and cache stay in this process")
        }
        (Some(_), None) => tracing::info!("no amqp.url: fan-out stays in this process"),
        (Some(_), Some(_)) => {}
    }
}

impl RunningNode {
    /// Waits until the HTTP server has stopped (after a drain or a stop).
    pub async fn wait(self) -> Result<(), NodeError> {
        match self.server.await {
            Ok(r) => Ok(r?),
            Err(e) => Err(NodeError::Server(std::io::Error::other(e.to_string()))),
        }
    }

    /// Runs until SIGTERM or SIGINT, then drains; a second signal stops at once.
    pub async fn run_until_signal(self) -> Result<(), NodeError> {
        let handle = self.handle.clone();
        let signals = async move {
            drain::wait_for_signal().await;
            tracing::info!("signal received: draining");
            let drain = handle.drain();
            tokio::pin!(drain);
            tokio::select! {
                () = &mut drain => {}
                () = drain::wait_for_signal() => {
                    tracing::warn!("second signal: stopping now");
                    handle.stop_now().await;
                }
            }
        };
        actix_rt::spawn(signals);
        self.wait().await
    }
}
