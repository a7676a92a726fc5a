//! Builds one node: database, pools, the actor tree and the HTTP server; runs it until a
//! signal, then drains in the order of ARCHITECTURE.md §1.

mod drain;
mod events;
mod limits;
mod listener;

pub use drain::NodeHandle;

use crate::auth::denylist::Denylist;
use crate::auth::keys::{KeyPolicy, KeyRing};
use crate::auth::password::Hasher;
use crate::auth::scheduler::{DenylistRefresher, KeyRotator};
use crate::chat::policy::ChatPolicy;
use crate::chat::runtime::{Realtime, RealtimeParts};
use crate::chat::store::PgChatStore;
use crate::config::{Config, redact_url};
use crate::db::{self, DbError, DbPool};
use crate::http;
use crate::infra::cache::ReadCache;
use crate::infra::health::DependencyStatus;
use crate::infra::housekeeping::Housekeeping;
use crate::infra::mail::Mailer;
use crate::infra::monitor::DependencyMonitor;
use crate::infra::redis::Redis;
use crate::infra::redis_presence::RedisRoomPresence;
use crate::metrics::{Metrics, MetricsError};
use crate::offers::expiry::OfferExpiry;
use crate::ratelimit::{RateLimiter, RedisStore};
use crate::settings::{Settings, SettingsWatcher};
use crate::state::{AppState, StateParts};
use actix::AsyncContext;
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
    #[error("server: {0}")]
    Server(#[from] std::io::Error),
}

/// A started node: its address, its shared state, and the handle that drains it.
pub struct RunningNode {
    pub addr: SocketAddr,
    pub handle: NodeHandle,
    server: actix_rt::task::JoinHandle<std::io::Result<()>>,
}

/// Prepares the database (create + migrate, under advisory locks), then starts everything.
/// Must run inside an actix `System`.
pub async fn start(config: Config) -> Result<RunningNode, NodeError> {
    let config = Arc::new(config);
    let connect_timeout = Duration::from_millis(config.database.connect_timeout_ms);
    let url = config.database.url.clone();
    let prepared = tokio::task::spawn_blocking(move || db::migrate::prepare(&url, connect_timeout))
        .await
        .map_err(|e| DbError::Migration(format!("migration task: {e}")))??;
    tracing::info!(
        database = %redact_url(&config.database.url),
        created = prepared.created_database,
        applied = prepared.applied.len(),
        "database ready"
    );

    let pool: DbPool = db::build_pool(&config.database.url, config.database.pool_size, connect_timeout);
    let metrics = Metrics::new(config.node_id())?;
    let deps = Arc::new(DependencyStatus::new(config.redis.url.is_some(), config.amqp.url.is_some()));
    let keys = KeyRing::ready(pool.clone(), KeyPolicy::from_config(&config.jwt))
        .await
        .map_err(|e| NodeError::Auth(e.to_string()))?;
    let denylist = Denylist::default();
    let access_ttl = Duration::from_secs(config.jwt.access_ttl_secs);
    denylist.refresh(&pool, access_ttl).await.map_err(DbError::Query)?;
    let a = &config.auth;
    let hasher = Hasher::new(a.argon2_memory_kib, a.argon2_iterations, a.argon2_parallelism)
        .map_err(|e| NodeError::Auth(e.to_string()))?;
    let settings = Settings::default();
    settings.refresh(&pool).await.map_err(DbError::Query)?;
    let rc = &config.redis;
    let redis = rc.url.as_deref().and_then(|url| {
        Redis::new(url, &rc.key_prefix, Duration::from_millis(rc.timeout_ms))
            .inspect_err(|e| tracing::warn!(error = %e, "redis.url rejected; limits, presence and cache stay local"))
            .ok()
    });
    let limiter = match &redis {
        Some(r) => RateLimiter::redis(RedisStore::new(r.clone())),
        None => RateLimiter::local(),
    };
    let cache = ReadCache::new(redis.clone(), Duration::from_millis(rc.cache_ttl_ms));
    let room_presence = redis.clone().map(|r| {
        let ttl = Duration::from_millis(rc.presence_ttl_ms);
        RedisRoomPresence::new(r, config.node_id().to_owned(), ttl) as Arc<dyn RoomPresence>
    });
    let amqp_link = Arc::new(AtomicBool::new(false));
    let chat_stats = ChatStats::new().map_err(crate::metrics::MetricsError::from)?;
    chat_stats.register(metrics.registry()).map_err(crate::metrics::MetricsError::from)?;
    announce_mode(&config);

    let supervisor = NodeSupervisor::new();
    let interval = Duration::from_millis(config.health.check_interval_ms);
    let redis_url = config.redis.url.clone();
    let link = config.amqp.url.as_ref().map(|_| amqp_link.clone());
    let (p, m, d) = (pool.clone(), metrics.clone(), deps.clone());
    supervisor.supervise(move |_| DependencyMonitor::new(p, d, m, interval, redis_url.as_deref(), link));
    let (k, key_interval) = (keys.clone(), Duration::from_millis(config.jwt.key_check_interval_ms));
    supervisor.supervise(move |_| KeyRotator::new(k, key_interval));
    let deny_interval = Duration::from_millis(config.auth.denylist_refresh_ms);
    let (p, dl) = (pool.clone(), denylist.clone());
    supervisor.supervise(move |_| DenylistRefresher::new(dl, p, deny_interval, access_ttl));
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
    let chat = &config.chat;
    let policy = ChatPolicy::new(
        limiter.clone(),
        settings.clone(),
        chat.send_per_minute,
        chat.send_burst,
        Duration::from_millis(chat.typing_interval_ms),
    );
    let store = PgChatStore::new(pool.clone(), denylist.clone());
    // The supervisor's address exists before it runs: sessions register drain hooks with it.
    let supervisor_ctx = actix::Context::<NodeSupervisor>::new();
    let supervisor_addr = supervisor_ctx.address();
    let realtime = Realtime::start(RealtimeParts {
        config: chat,
        store,
        policy: Arc::new(policy),
        stats: chat_stats,
        supervisor: &supervisor,
        supervisor_addr: supervisor_addr.clone(),
        amqp: config.amqp.url.clone().map(|u| (u, config.amqp.exchange.clone())),
        node_id: config.node_id().to_owned(),
        amqp_link,
        room_presence,
    });
    let bus = realtime.bus.clone();
    denylist.share(bus.clone(), redis.clone());
    cache.share(bus.clone());
    bus.set_sink(events::sink(settings.clone(), pool.clone(), denylist.clone(), cache.clone()));
    let (p, rt, offers) = (pool.clone(), realtime.clone(), config.offers.clone());
    supervisor.supervise(move |_| {
        OfferExpiry::new(p, rt, Duration::from_millis(offers.expiry_check_ms), offers.expiry_batch)
    });
    supervisor_ctx.run(supervisor);
    let supervisor = supervisor_addr;
    let state = AppState::new(StateParts {
        config: config.clone(),
        pool: pool.clone(),
        metrics: metrics.clone(),
        limiter,
        deps: deps.clone(),
        keys: keys.clone(),
        denylist: denylist.clone(),
        hasher,
        http: http_client()?,
        settings,
        realtime,
        cache,
    });

    let server_cfg = &config.server;
    let listener = listener::bind(
        &server_cfg.host,
        server_cfg.port,
        server_cfg.socket_send_buffer_bytes,
        Duration::from_millis(server_cfg.tcp_user_timeout_ms),
    )
    .map_err(|source| NodeError::Bind { addr: format!("{}:{}", server_cfg.host, server_cfg.port), source })?;
    let addr = listener.local_addr()?;
    let open_files = limits::raise_open_files();

    let data = web::Data::new(state.clone());
    let doc = http::openapi_doc();
    let grace_secs = config.drain.grace_ms.div_ceil(1000).max(1);
    let server = HttpServer::new(move || http::build_app(data.clone(), doc.clone()))
        .workers(config.workers())
        .disable_signals()
        .shutdown_timeout(grace_secs)
        .keep_alive(Duration::from_secs(server_cfg.keep_alive_secs))
        .listen(listener)?
        .run();
    let server_handle = server.handle();
    let server = actix_rt::spawn(server);
    tracing::info!(%addr, node = config.node_id(), env = %config.env, workers = config.workers(), open_files, "listening");

    Ok(RunningNode { addr, handle: NodeHandle::new(state, server_handle, supervisor), server })
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
