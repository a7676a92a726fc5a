//! An OTLP/gRPC trace receiver for tests: what a collector would be handed, decoded from the
//! protobuf. No collector installs from the registries here; this is the real wire protocol,
//! with the generated service of `opentelemetry-proto`.

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

/// One span as received, ids in hex.
#[derive(Debug, Clone)]
pub struct Got {
    /// The `service.instance.id` of the node that sent it.
    pub node: String,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    /// (trace id, span id) of each link.
    pub links: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<Got>>>);

#[tonic::async_trait]
impl TraceService for Inbox {
    async fn export(
        &self,
        req: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut got = Vec::new();
        for rs in req.into_inner().resource_spans {
            let node = rs
                .resource
                .iter()
                .flat_map(|r| r.attributes.iter())
                .find(|kv| kv.key == "service.instance.id")
                .and_then(|kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                    Some(AnyValue::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            for span in rs.scope_spans.into_iter().flat_map(|s| s.spans) {
                got.push(Got {
                    node: node.clone(),
                    name: span.name,
                    trace_id: hex::encode(&span.trace_id),
                    span_id: hex::encode(&span.span_id),
                    parent_span_id: hex::encode(&span.parent_span_id),
                    links: span.links.iter().map(|l| (hex::encode(&l.trace_id), hex::encode(&l.span_id))).collect(),
                });
            }
        }
        if let Ok(mut all) = self.0.lock() {
            all.extend(got);
        }
        Ok(Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

pub struct OtlpReceiver {
    pub addr: SocketAddr,
    inbox: Inbox,
    _server: tokio::task::JoinHandle<()>,
}

impl OtlpReceiver {
    pub async fn start() -> OtlpReceiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind OTLP receiver");
        let addr = listener.local_addr().expect("addr");
        let inbox = Inbox::default();
        let service = TraceServiceServer::new(inbox.clone());
        let server = tokio::spawn(async move {
            let _ = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(TcpIncoming::from(listener))
                .await;
        });
        OtlpReceiver { addr, inbox, _server: server }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn spans(&self) -> Vec<Got> {
        self.inbox.0.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Waits (at most `timeout`) until `found` picks something out of the spans received.
    pub async fn wait_for<T>(&self, timeout: Duration, what: &str, found: impl Fn(&[Got]) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(t) = found(&self.spans()) {
                return t;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("no {what} among the spans received: {:#?}", self.spans());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
