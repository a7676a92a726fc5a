//! Builds one node: database, pools, the actor tree and the HTTP server; runs it until a
//! signal, then drains in the order of ARCHITECTURE.md §1.

mod drain;
mod listener;

pub use drain::NodeHandle;

use crate::config::{Config, redact_url};
use crate::db::{self, DbError, DbPool};
use crate::http;
use crate::infra::health::DependencyStatus;
use crate::infra::monitor::DependencyMonitor;
use crate::metrics::{Metrics, MetricsError};
use crate::ratelimit::RateLimiter;
use crate::state::AppState;
use actix::Actor;
use actix_web::{HttpServer, web};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use veza_actors::NodeSupervisor;

/// Errors that stop a node from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
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

    let pool: DbPool = db::build_pool(
        &config.database.url,
        config.database.pool_size,
        connect_timeout,
    );
    let metrics = Metrics::new(config.node_id())?;
    let deps = Arc::new(DependencyStatus::new(
        config.redis.url.is_some(),
        config.amqp.url.is_some(),
    ));
    let state = AppState::new(
        config.clone(),
        pool.clone(),
        metrics.clone(),
        RateLimiter::local(),
        deps.clone(),
    );
    announce_mode(&config);

    let supervisor = NodeSupervisor::new();
    let interval = Duration::from_millis(config.health.check_interval_ms);
    let (redis_url, amqp_url) = (config.redis.url.clone(), config.amqp.url.clone());
    supervisor.supervise(move |_| {
        DependencyMonitor::new(
            pool,
            deps,
            metrics,
            interval,
            redis_url.as_deref(),
            amqp_url.as_deref(),
        )
    });
    let supervisor = supervisor.start();

    let server_cfg = &config.server;
    let listener = listener::bind(
        &server_cfg.host,
        server_cfg.port,
        server_cfg.socket_send_buffer_bytes,
        Duration::from_millis(server_cfg.tcp_user_timeout_ms),
    )
    .map_err(|source| NodeError::Bind {
        addr: format!("{}:{}", server_cfg.host, server_cfg.port),
        source,
    })?;
    let addr = listener.local_addr()?;

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
    tracing::info!(%addr, node = config.node_id(), env = %config.env, workers = config.workers(), "listening");

    Ok(RunningNode {
        addr,
        handle: NodeHandle::new(state, server_handle, supervisor),
        server,
    })
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
