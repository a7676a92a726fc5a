//! The server API's gRPC door: `veza.server.v1.ServerApi`, `grpc.health.v1` and server
//! reflection on `grpc.port` (off unless `grpc.enabled`), TLS when a certificate is set (rustls
//! on ring). Like HTTP, it runs on several threads (`grpc.workers`): each an actix arbiter with
//! its own `ServerApiService` and its own listener on the same port (`SO_REUSEPORT`), so a
//! call and the actor answering it share a thread. The node's drain says NOT_SERVING, ends
//! `WatchRoom` streams with UNAVAILABLE and lets unary calls finish.

pub mod api;
pub mod pb;
pub mod status;
pub mod watch;

use super::service::ServerApiService;
use crate::config::GrpcConfig;
use crate::state::AppState;
use actix::Actor;
use pb::server_api_server::ServerApiServer;
use socket2::{Domain, Protocol, Socket, Type};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::time::Duration;
use tokio::sync::watch as signal;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};

#[derive(Debug, thiserror::Error)]
pub enum GrpcError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("grpc TLS: {0}")]
    Tls(String),
    #[error("grpc reflection: {0}")]
    Reflection(String),
}

/// The running gRPC door of a node.
#[derive(Clone)]
pub struct GrpcServer {
    addr: SocketAddr,
    draining: signal::Sender<bool>,
    health: tonic_health::server::HealthReporter,
}

impl GrpcServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The drain begins: NOT_SERVING to health checks (the service and the server as a whole),
    /// while calls are still served, so balancers move away first.
    pub async fn not_serving(&self) {
        self.health.set_not_serving::<ServerApiServer<api::GrpcApi>>().await;
        self.health.set_service_status("", tonic_health::ServingStatus::NotServing).await;
    }

    /// The drain's end: no new connection, `WatchRoom` streams end with UNAVAILABLE, unary
    /// calls in flight finish.
    pub fn stop(&self) {
        let _ = self.draining.send(true);
    }
}

/// Starts the gRPC door when `grpc.enabled`.
pub async fn start(state: &AppState) -> Result<Option<GrpcServer>, GrpcError> {
    let cfg = state.config.grpc.clone();
    if !cfg.enabled {
        return Ok(None);
    }
    let workers = state.config.grpc_workers().max(1);
    let listeners = bind(&cfg, workers)?;
    let addr = listeners
        .first()
        .and_then(|l| l.local_addr().ok())
        .ok_or_else(|| GrpcError::Bind { addr: cfg.host.clone(), source: std::io::Error::other("no listener") })?;
    let tls = tls(&cfg)?;
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<ServerApiServer<api::GrpcApi>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| GrpcError::Reflection(e.to_string()))?;
    let (draining, drain_rx) = signal::channel(false);
    for listener in listeners {
        let arbiter = actix_rt::Arbiter::new();
        let (state, tls, health_service, reflection, drain_rx) =
            (state.clone(), tls.clone(), health_service.clone(), reflection.clone(), drain_rx.clone());
        let max = cfg.max_request_bytes;
        arbiter.spawn(async move {
            let service = ServerApiService::new(state.clone()).start();
            let api = api::GrpcApi::new(service, state, drain_rx.clone());
            let incoming = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => TcpIncoming::from(l).with_nodelay(Some(true)),
                Err(e) => return tracing::error!(error = %e, "gRPC listener"),
            };
            let mut server = Server::builder().http2_keepalive_interval(Some(Duration::from_secs(30)));
            if let Some(tls) = tls {
                server = match server.tls_config(tls) {
                    Ok(s) => s,
                    Err(e) => return tracing::error!(error = %e, "gRPC TLS"),
                };
            }
            let mut stop = drain_rx;
            let shutdown = async move {
                let _ = stop.wait_for(|d| *d).await;
            };
            let served = server
                .add_service(health_service)
                .add_service(reflection)
                .add_service(ServerApiServer::new(api).max_decoding_message_size(max))
                .serve_with_incoming_shutdown(incoming, shutdown)
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "gRPC server stopped");
            }
        });
    }
    tracing::info!(%addr, workers, tls = cfg.tls_cert_path.is_some(), "gRPC server API listening");
    Ok(Some(GrpcServer { addr, draining, health }))
}

/// `workers` listeners on one port: the first picks it (port 0: any), the others join it.
fn bind(cfg: &GrpcConfig, workers: usize) -> Result<Vec<TcpListener>, GrpcError> {
    let err = |source| GrpcError::Bind { addr: format!("{}:{}", cfg.host, cfg.port), source };
    let mut addr: SocketAddr = (cfg.host.as_str(), cfg.port)
        .to_socket_addrs()
        .map_err(err)?
        .next()
        .ok_or_else(|| err(std::io::Error::other("cannot resolve the host")))?;
    let mut out = Vec::with_capacity(workers);
    for _ in 0..workers {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(err)?;
        socket.set_reuse_address(true).map_err(err)?;
        #[cfg(unix)]
        socket.set_reuse_port(true).map_err(err)?;
        socket.set_tcp_nodelay(true).map_err(err)?;
        socket.bind(&addr.into()).map_err(err)?;
        socket.listen(1024).map_err(err)?;
        socket.set_nonblocking(true).map_err(err)?;
        let listener: TcpListener = socket.into();
        addr = listener.local_addr().map_err(err)?;
        out.push(listener);
    }
    Ok(out)
}

fn tls(cfg: &GrpcConfig) -> Result<Option<ServerTlsConfig>, GrpcError> {
    let (Some(cert), Some(key)) = (&cfg.tls_cert_path, &cfg.tls_key_path) else { return Ok(None) };
    let read = |p: &str| std::fs::read(p).map_err(|e| GrpcError::Tls(format!("{p}: {e}")));
    let identity = Identity::from_pem(read(cert)?, read(key)?);
    Ok(Some(ServerTlsConfig::new().identity(identity)))
}
