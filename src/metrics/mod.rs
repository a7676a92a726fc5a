//! The node's Prometheus registry. One per node (not the global default), so nodes started
//! side by side in one test process keep separate counts.
//!
//! Every labelled family is pre-set to its known label values at start: the client omits a
//! family with no samples, and a rule or panel naming a missing family cannot tell "zero" from
//! "not exported" (`deploy/prometheus/` relies on every family it names being present).

mod disk;

pub use disk::{DiskVolumes, Volume};

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::sync::{Arc, Mutex};
use veza_core::Code;

/// Every metric the node exports; names follow Prometheus conventions with the `veza_` prefix.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    /// problem+json answers by stable code.
    pub http_problems: IntCounterVec,
    /// Every answer by status class (`2xx`…): pre-set, so a 5xx ratio reads 0, not "no data".
    pub http_responses: IntCounterVec,
    pub db_pool_connections: IntGauge,
    pub db_pool_idle: IntGauge,
    pub db_pool_max: IntGauge,
    /// Checkouts that gave up waiting for a connection (the pool exhausted, or the server away).
    pub db_pool_timeouts: IntCounter,
    /// How far the read replica's replay is behind the primary (0 without a replica).
    pub db_replica_lag: Gauge,
    /// Read-only queries by where they ran: `primary` or `replica`.
    pub db_reads: IntCounterVec,
    /// Users whose write position could not be recorded (Redis away): a read elsewhere may miss it.
    pub db_positions_lost: IntCounter,
    pub dependency_up: IntGaugeVec,
    /// 1 while Redis is configured but away and limits/presence are answered by this node alone.
    pub redis_fallback_active: IntGauge,
    pub rate_limited: IntCounterVec,
    pub draining: IntGauge,
    pub csp_reports: IntCounterVec,
    pub rate_limit_fallbacks: IntGauge,
    pub search_documents: IntGauge,
    pub search_queries_dropped: IntCounter,
    /// Server API calls by key name, operation and outcome (`ok` or the problem code).
    pub server_api_calls: IntCounterVec,
    /// Envelopes over RabbitMQ by direction (`out` published, `in` received from another node).
    pub amqp_envelopes: IntCounterVec,
    /// Age of a room or user envelope when another node receives it (publish to hand-off).
    pub chat_fanout_seconds: Histogram,
    /// Offers entering each state.
    pub offer_transitions: IntCounterVec,
    pub track_uploads: IntCounterVec,
    pub track_upload_bytes: IntCounter,
    pub track_streams: IntCounterVec,
    pub track_stream_bytes: IntCounter,
    pub disk_free: IntGaugeVec,
    pub disk_size: IntGaugeVec,
    /// Serialises `catch_up` (two scrapes at once must not both add the same difference).
    catching_up: Arc<Mutex<()>>,
}

#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

/// Offer states, as the offers feature names them (pre-set labels; infrastructure imports no
/// feature, so the list is kept here and checked against the feature by a test there).
pub const OFFER_STATES: [&str; 8] =
    ["pending", "countered", "accepted", "completed", "declined", "withdrawn", "expired", "cancelled"];

/// Creates and registers families on one registry.
struct Families<'a>(&'a Registry);

impl Families<'_> {
    fn counter(&self, name: &str, help: &str) -> Result<IntCounter, MetricsError> {
        let c = IntCounter::new(name, help)?;
        self.0.register(Box::new(c.clone()))?;
        Ok(c)
    }

    /// A labelled counter pre-set at 0 for each of `preset` (one value per label).
    fn counter_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        preset: &[&[&str]],
    ) -> Result<IntCounterVec, MetricsError> {
        let c = IntCounterVec::new(Opts::new(name, help), labels)?;
        for values in preset {
            c.with_label_values(values);
        }
        self.0.register(Box::new(c.clone()))?;
        Ok(c)
    }

    fn gauge(&self, name: &str, help: &str) -> Result<IntGauge, MetricsError> {
        let g = IntGauge::new(name, help)?;
        self.0.register(Box::new(g.clone()))?;
        Ok(g)
    }

    fn gauge_vec(&self, name: &str, help: &str, labels: &[&str]) -> Result<IntGaugeVec, MetricsError> {
        let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
        self.0.register(Box::new(g.clone()))?;
        Ok(g)
    }

    fn histogram(&self, name: &str, help: &str, buckets: &[f64]) -> Result<Histogram, MetricsError> {
        let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))?;
        self.0.register(Box::new(h.clone()))?;
        Ok(h)
    }
}

impl Metrics {
    pub fn new(node_id: &str) -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let f = Families(&registry);
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "veza_http_request_duration_seconds",
                "HTTP request latency by method and route pattern",
            )
            .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["method", "route"],
        )?;
        registry.register(Box::new(http_duration.clone()))?;
        let codes: Vec<[&str; 1]> = Code::ALL.iter().map(|c| [c.as_str()]).collect();
        let code_refs: Vec<&[&str]> = codes.iter().map(|c| c.as_slice()).collect();
        let db_replica_lag = Gauge::new(
            "veza_db_replica_lag_seconds",
            "How far the read replica's replay is behind the primary (0 without a replica)",
        )?;
        registry.register(Box::new(db_replica_lag.clone()))?;
        let states: Vec<[&str; 1]> = OFFER_STATES.iter().map(|s| [*s]).collect();
        let state_refs: Vec<&[&str]> = states.iter().map(|s| s.as_slice()).collect();
        let build_info =
            f.gauge_vec("veza_build_info", "Build and node identity; always 1", &["version", "node", "profile"])?;
        let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
        build_info.with_label_values(&[env!("CARGO_PKG_VERSION"), node_id, profile]).set(1);

        Ok(Metrics {
            http_requests: f.counter_vec(
                "veza_http_requests_total",
                "HTTP requests by method, route pattern and status",
                &["method", "route", "status"],
                &[],
            )?,
            http_duration,
            http_problems: f.counter_vec(
                "veza_http_problems_total",
                "problem+json answers by stable code",
                &["code"],
                &code_refs,
            )?,
            http_responses: f.counter_vec(
                "veza_http_responses_total",
                "HTTP answers by status class",
                &["class"],
                &[&["1xx"], &["2xx"], &["3xx"], &["4xx"], &["5xx"]],
            )?,
            db_pool_connections: f.gauge("veza_db_pool_connections", "Open PostgreSQL connections in the pool")?,
            db_pool_idle: f.gauge("veza_db_pool_idle_connections", "Idle PostgreSQL connections in the pool")?,
            db_pool_max: f.gauge("veza_db_pool_max_connections", "Configured pool size")?,
            db_pool_timeouts: f
                .counter("veza_db_pool_timeouts_total", "PostgreSQL checkouts that gave up waiting for a connection")?,
            db_replica_lag,
            db_reads: f.counter_vec(
                "veza_db_reads_total",
                "Read-only queries by where they ran",
                &["target"],
                &[&["primary"], &["replica"]],
            )?,
            db_positions_lost: f.counter(
                "veza_db_write_positions_lost_total",
                "Users whose write position could not be recorded for read-your-writes (Redis away)",
            )?,
            dependency_up: f.gauge_vec(
                "veza_dependency_up",
                "1 when the dependency answered its last check, 0 when down",
                &["dependency"],
            )?,
            redis_fallback_active: f.gauge(
                "veza_redis_fallback_active",
                "1 while Redis is configured but away and this node answers limits and presence alone",
            )?,
            rate_limited: f.counter_vec(
                "veza_rate_limited_total",
                "Requests refused with 429, by limit",
                &["limit"],
                &[&["ip"], &["login"], &["login_account"], &["report"], &["server_api"]],
            )?,
            draining: f.gauge("veza_draining", "1 while the node drains")?,
            csp_reports: f.counter_vec(
                "veza_csp_reports_total",
                "Content-Security-Policy violation reports, by directive",
                &["directive"],
                &[],
            )?,
            rate_limit_fallbacks: f.gauge(
                "veza_rate_limit_local_fallbacks",
                "Rate-limit checks answered by the node's local store because Redis was away (since start)",
            )?,
            search_documents: f
                .gauge("veza_search_documents", "Documents this node's search index serves (0 while it builds)")?,
            search_queries_dropped: f.counter(
                "veza_search_queries_dropped_total",
                "Searches not counted for popular queries because the counting queue was full",
            )?,
            server_api_calls: f.counter_vec(
                "veza_server_api_calls_total",
                "Server API calls (gRPC and HTTP) by API key, operation and outcome",
                &["key", "operation", "outcome"],
                &[],
            )?,
            amqp_envelopes: f.counter_vec(
                "veza_amqp_envelopes_total",
                "Envelopes over RabbitMQ: out published, in received from another node",
                &["direction"],
                &[&["out"], &["in"]],
            )?,
            chat_fanout_seconds: f.histogram(
                "veza_chat_fanout_seconds",
                "Age of an envelope from another node when this node hands it to its sessions",
                &[0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
            )?,
            offer_transitions: f.counter_vec(
                "veza_offer_transitions_total",
                "Offers entering each state",
                &["state"],
                &state_refs,
            )?,
            track_uploads: f.counter_vec(
                "veza_track_uploads_total",
                "Track uploads by outcome: ok, rejected (the client's file or request), failed (ours)",
                &["outcome"],
                &[&["ok"], &["rejected"], &["failed"]],
            )?,
            track_upload_bytes: f.counter("veza_track_upload_bytes_total", "Bytes of track uploads received")?,
            track_streams: f.counter_vec(
                "veza_track_streams_total",
                "Track audio responses by status: 200 whole, 206 a range",
                &["status"],
                &[&["200"], &["206"]],
            )?,
            track_stream_bytes: f.counter("veza_track_stream_bytes_total", "Bytes of track audio sent")?,
            disk_free: f.gauge_vec(
                "veza_disk_free_bytes",
                "Free bytes (for unprivileged users) on the filesystem of each volume the node writes",
                &["volume"],
            )?,
            disk_size: f.gauge_vec("veza_disk_size_bytes", "Size of the filesystem of each volume", &["volume"])?,
            registry,
            catching_up: Arc::default(),
        })
    }

    /// Moves a counter up to a total counted elsewhere (the pool's own statistics, say).
    pub fn catch_up(&self, counter: &IntCounter, total: u64) {
        let _one_at_a_time = self.catching_up.lock();
        counter.inc_by(total.saturating_sub(counter.get()));
    }

    /// The registry for later features to add their own collectors.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Prometheus text exposition of everything registered.
    pub fn render(&self) -> Result<Vec<u8>, MetricsError> {
        let mut buf = Vec::with_capacity(16 * 1024);
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

    #[test]
    fn labelled_families_are_present_before_their_first_event() -> Result<(), Box<dyn std::error::Error>> {
        let text = String::from_utf8(Metrics::new("n1")?.render()?)?;
        for line in [
            r#"veza_http_problems_total{code="not_found"} 0"#,
            r#"veza_http_responses_total{class="5xx"} 0"#,
            r#"veza_db_reads_total{target="replica"} 0"#,
            r#"veza_amqp_envelopes_total{direction="in"} 0"#,
            r#"veza_offer_transitions_total{state="expired"} 0"#,
            r#"veza_track_streams_total{status="206"} 0"#,
            r#"veza_track_uploads_total{outcome="failed"} 0"#,
            "veza_db_replica_lag_seconds 0",
            "veza_chat_fanout_seconds_count 0",
        ] {
            assert!(text.contains(line), "missing {line}");
        }
        Ok(())
    }
}
