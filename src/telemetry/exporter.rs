//! The span pipeline: a batch processor sending to the collector over tonic, on a runtime of
//! its own (the tonic client needs Tokio; the node's actix arbiters are single-threaded and
//! stop at drain, while the last spans must still leave).

use super::sampler::LinkAware;
use crate::config::TelemetryConfig;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum TracingError {
    #[error("telemetry: cannot start the exporter's runtime: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("telemetry: the OTLP exporter: {0}")]
    Exporter(String),
}

/// The node's trace pipeline; dropping it sends what is queued, then stops.
pub struct Tracing {
    provider: SdkTracerProvider,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Tracing {
    /// Starts exporting when `otlp_endpoint` is set; `None` (tracing off) otherwise.
    pub fn start(cfg: &TelemetryConfig, node_id: &str) -> Result<Option<Self>, TracingError> {
        if cfg.otlp_endpoint.is_empty() {
            return Ok(None);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otel-export")
            .enable_all()
            .build()?;
        let exporter = runtime.block_on(async {
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(cfg.otlp_endpoint.clone())
                .with_timeout(Duration::from_secs(5))
                .build()
        });
        let exporter = exporter.map_err(|e| TracingError::Exporter(e.to_string()))?;
        let batch = BatchConfigBuilder::default()
            .with_scheduled_delay(Duration::from_millis(cfg.export_delay_ms))
            .with_max_queue_size(8192)
            .build();
        let processor = BatchSpanProcessor::builder(exporter).with_batch_config(batch).build();
        let resource = Resource::builder()
            .with_service_name(cfg.service_name.clone())
            .with_attributes([
                KeyValue::new("service.instance.id", node_id.to_owned()),
                KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
            ])
            .build();
        // A new trace is kept with probability `sample_ratio`; a span with a parent follows the
        // parent's flag (the HTTP middleware only passes on a trusted caller's flag); a batch
        // linked to a recorded message is recorded (`sampler.rs`).
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_sampler(LinkAware(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(cfg.sample_ratio)))))
            // A writer batch links every message it carries (up to chat.writer_max_batch).
            .with_max_links_per_span(4096)
            .with_resource(resource)
            .build();
        veza_actors::trace::enable();
        Ok(Some(Tracing { provider, runtime: Some(runtime) }))
    }

    pub fn tracer(&self) -> SdkTracer {
        self.provider.tracer("veza")
    }
}

impl Drop for Tracing {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown_with_timeout(Duration::from_secs(5)) {
            eprintln!("veza: telemetry: spans not all sent at exit: {e}");
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}
