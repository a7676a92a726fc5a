//! The node's Prometheus registry. One per node (not the global default), so nodes started
//! side by side in one test process keep separate counts.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Every metric the node exports; names follow Prometheus conventions with the `veza_` prefix.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub db_pool_connections: IntGauge,
    pub db_pool_idle: IntGauge,
    pub db_pool_max: IntGauge,
    pub dependency_up: IntGaugeVec,
    pub rate_limited: IntCounterVec,
    pub draining: IntGauge,
    pub csp_reports: IntCounterVec,
    pub rate_limit_fallbacks: IntGauge,
    pub search_documents: IntGauge,
    pub search_queries_dropped: IntCounter,
    /// Server API calls by key name, operation and outcome (`ok` or the problem code).
    pub server_api_calls: IntCounterVec,
}

#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

impl Metrics {
    pub fn new(node_id: &str) -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("veza_http_requests_total", "HTTP requests by method, route pattern and status"),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "veza_http_request_duration_seconds",
                "HTTP request latency by method and route pattern",
            )
            .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["method", "route"],
        )?;
        let db_pool_connections = IntGauge::new("veza_db_pool_connections", "Open PostgreSQL connections in the pool")?;
        let db_pool_idle = IntGauge::new("veza_db_pool_idle_connections", "Idle PostgreSQL connections in the pool")?;
        let db_pool_max = IntGauge::new("veza_db_pool_max_connections", "Configured pool size")?;
        let dependency_up = IntGaugeVec::new(
            Opts::new("veza_dependency_up", "1 when the dependency answered its last check, 0 when down"),
            &["dependency"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new("veza_rate_limited_total", "Requests refused with 429, by limit"),
            &["limit"],
        )?;
        let draining = IntGauge::new("veza_draining", "1 while the node drains")?;
        let csp_reports = IntCounterVec::new(
            Opts::new("veza_csp_reports_total", "Content-Security-Policy violation reports, by directive"),
            &["directive"],
        )?;
        let rate_limit_fallbacks = IntGauge::new(
            "veza_rate_limit_local_fallbacks",
            "Rate-limit checks answered by the node's local store because Redis was away (since start)",
        )?;
        let search_documents =
            IntGauge::new("veza_search_documents", "Documents this node's search index serves (0 while it builds)")?;
        let search_queries_dropped = IntCounter::new(
            "veza_search_queries_dropped_total",
            "Searches not counted for popular queries because the counting queue was full",
        )?;
        let server_api_calls = IntCounterVec::new(
            Opts::new(
                "veza_server_api_calls_total",
                "Server API calls (gRPC and HTTP) by API key, operation and outcome",
            ),
            &["key", "operation", "outcome"],
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new("veza_build_info", "Build and node identity; always 1"),
            &["version", "node", "profile"],
        )?;
        let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
        build_info.with_label_values(&[env!("CARGO_PKG_VERSION"), node_id, profile]).set(1);

        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(db_pool_connections.clone()))?;
        registry.register(Box::new(db_pool_idle.clone()))?;
        registry.register(Box::new(db_pool_max.clone()))?;
        registry.register(Box::new(dependency_up.clone()))?;
        registry.register(Box::new(rate_limited.clone()))?;
        registry.register(Box::new(draining.clone()))?;
        registry.register(Box::new(csp_reports.clone()))?;
        registry.register(Box::new(rate_limit_fallbacks.clone()))?;
        registry.register(Box::new(search_documents.clone()))?;
        registry.register(Box::new(search_queries_dropped.clone()))?;
        registry.register(Box::new(server_api_calls.clone()))?;
        registry.register(Box::new(build_info))?;
        Ok(Metrics {
            registry,
            http_requests,
            http_duration,
            db_pool_connections,
            db_pool_idle,
            db_pool_max,
            dependency_up,
            rate_limited,
            draining,
            csp_reports,
            rate_limit_fallbacks,
            search_documents,
            search_queries_dropped,
            server_api_calls,
        })
    }

    /// The registry for later features to add their own collectors.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Prometheus text exposition of everything registered.
    pub fn render(&self) -> Result<Vec<u8>, MetricsError> {
        let mut buf = Vec::with_capacity(8 * 1024);
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_with_their_labels() -> Result<(), Box<dyn std::error::Error>> {
        let m = Metrics::new("n1")?;
        m.http_requests.with_label_values(&["GET", "/health", "200"]).inc();
        let text = String::from_utf8(m.render()?)?;
        assert!(text.contains(r#"veza_http_requests_total{method="GET",route="/health",status="200"} 1"#), "{text}");
        assert!(text.contains("veza_build_info{"), "{text}");
        Ok(())
    }
}
