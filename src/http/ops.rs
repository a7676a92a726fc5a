//! Ops endpoints: liveness, readiness, metrics.

use crate::db::{PoolStats, ping};
use crate::infra::health::{DepState, Dependency};
use crate::metrics::DiskVolumes;
use crate::search::handle::IndexState;
use crate::state::AppState;
use crate::web::error::{ApiError, Problem};
use actix_web::{HttpResponse, web};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    pub postgres: DepState,
    pub redis: DepState,
    pub amqp: DepState,
    /// The read replica (`database.read_url`): `down` while unreachable or lagging past
    /// `database.max_replica_lag_ms` (reads go to the primary meanwhile), `disabled` without one.
    pub replica: DepState,
    /// The node's search index: `building` (PostgreSQL answers searches meanwhile), `ready`,
    /// or `down` (its directory could not be had; PostgreSQL answers).
    pub search: IndexState,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthReply {
    /// `ok`, or `degraded` while a configured dependency is down.
    #[schema(example = "ok")]
    pub status: &'static str,
    pub node: String,
    pub version: &'static str,
    pub checks: Checks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyReply {
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// Liveness: 200 while the process lives, with the last known state of each dependency.
#[utoipa::path(get, path = "/health", tag = "ops", responses((status = 200, body = HealthReply)))]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let deps = &state.deps;
    let reply = HealthReply {
        status: if deps.all_healthy() { "ok" } else { "degraded" },
        node: state.config.node_id().to_owned(),
        version: env!("CARGO_PKG_VERSION"),
        checks: Checks {
            postgres: deps.get(Dependency::Postgres),
            redis: deps.get(Dependency::Redis),
            amqp: deps.get(Dependency::Amqp),
            replica: deps.get(Dependency::Replica),
            search: state.search.state(),
        },
    };
    HttpResponse::Ok().json(reply)
}

/// Readiness: PostgreSQL answers within the timeout and the node is not draining.
#[utoipa::path(get, path = "/ready", tag = "ops", responses(
    (status = 200, body = ReadyReply),
    (status = 503, body = Problem, description = "draining, or PostgreSQL down")
))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.is_draining() {
        return Err(ApiError::Unavailable("draining: this node is shutting down".into()));
    }
    let timeout = Duration::from_millis(state.config.server.ready_timeout_ms);
    if let Err(e) = ping(&state.pool, timeout).await {
        state.deps.set(Dependency::Postgres, DepState::Down);
        tracing::warn!(error = %e, "not ready: postgres");
        return Err(ApiError::Unavailable("postgres: the database does not answer".into()));
    }
    state.deps.set(Dependency::Postgres, DepState::Ok);
    Ok(HttpResponse::Ok().json(ReadyReply { status: "ready" }))
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain; version=0.0.4", body = String)))]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let m = &state.metrics;
    let pool = PoolStats::of(&state.pool, state.config.database.pool_size);
    m.db_pool_connections.set(i64::from(pool.connections));
    m.db_pool_idle.set(i64::from(pool.idle));
    m.db_pool_max.set(i64::from(pool.max));
    m.catch_up(&m.db_pool_timeouts, pool.timed_out);
    m.rate_limit_fallbacks.set(state.limiter.fallbacks() as i64);
    m.search_documents.set(i64::try_from(state.search.documents()).unwrap_or(i64::MAX));
    DiskVolumes::of(&state.config).sample(m);
    let body = m.render().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}
