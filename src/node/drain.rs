//! Graceful drain: `/ready` 503 for `drain.delay` while everything still works, then stop
//! accepting, close WebSockets with 1012, let in-flight HTTP finish within `drain.grace`,
//! then leave the broker (queue and bindings go).

use crate::server_api::grpc::GrpcServer;
use crate::state::AppState;
use actix::Addr;
use actix_web::dev::ServerHandle;
use std::time::Duration;
use veza_actors::conn::close;
use veza_actors::{DrainAll, NodeSupervisor};

#[derive(Clone)]
pub struct NodeHandle {
    state: AppState,
    server: ServerHandle,
    supervisor: Addr<NodeSupervisor>,
    grpc: Option<GrpcServer>,
}

impl NodeHandle {
    pub(super) fn new(
        state: AppState,
        server: ServerHandle,
        supervisor: Addr<NodeSupervisor>,
        grpc: Option<GrpcServer>,
    ) -> Self {
        NodeHandle { state, server, supervisor, grpc }
    }

    /// Where the gRPC server API listens, when `grpc.enabled`.
    pub fn grpc_addr(&self) -> Option<std::net::SocketAddr> {
        self.grpc.as_ref().map(GrpcServer::addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The whole drain sequence; returns when the HTTP server has stopped.
    pub async fn drain(&self) {
        let cfg = &self.state.config.drain;
        self.state.start_draining();
        if let Some(grpc) = &self.grpc {
            grpc.not_serving().await;
        }
        tracing::info!(delay_ms = cfg.delay_ms, "draining: /ready now answers 503");
        actix_rt::time::sleep(cfg.delay()).await;
        // Said while everything still runs: once the server stops, the runtime may end at once.
        let state = &self.state;
        crate::stats::heartbeat::farewell(&state.pool, state.config.node_id(), &state.active_users).await;
        tracing::info!(grace_ms = cfg.grace_ms, "draining: closing listeners and long-lived connections");
        let per_hook = Duration::from_millis(cfg.grace_ms.min(2000));
        let stop = self.server.stop(true);
        if let Some(grpc) = &self.grpc {
            grpc.stop();
        }
        let report =
            self.supervisor.send(DrainAll { close_code: close::SERVICE_RESTART, per_hook_timeout: per_hook }).await;
        if let Ok(r) = report {
            tracing::info!(notified = r.notified, gone = r.gone, "draining: long-lived connections told to close");
        }
        stop.await;
        // Last: leave the broker, so nothing published for this node's members is lost
        // while requests were still finishing.
        self.state.realtime.disconnect_broker().await;
        tracing::info!("drained");
    }

    /// Stops without waiting for in-flight requests.
    pub async fn stop_now(&self) {
        if let Some(grpc) = &self.grpc {
            grpc.stop();
        }
        self.server.stop(false).await;
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM; only SIGINT drains");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
