//! Checks that types alone cannot express; each failure names its key.

use super::{Config, ConfigError};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer};
use std::net::IpAddr;

/// Accepts `["10.0.0.1", "10.0.0.0/8"]` or the same as one comma-separated string.
pub(super) fn de_ip_nets<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let items = match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => s.split(',').map(str::to_owned).collect(),
        OneOrMany::Many(v) => v,
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(parse_ip_net)
        .collect::<Result<_, _>>()
        .map_err(serde::de::Error::custom)
}

fn parse_ip_net(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is neither an IP address nor a CIDR"))
}

/// An empty string (e.g. `VEZA__REDIS__URL=`) means unset.
pub(super) fn de_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    Ok(v.filter(|s| !s.trim().is_empty()))
}

fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), reason: reason.into() }
}

fn check_url(key: &str, raw: &str, schemes: &[&str]) -> Result<(), ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| invalid(key, format!("not a URL ({e})")))?;
    if !schemes.contains(&url.scheme()) {
        return Err(invalid(key, format!("scheme must be one of {schemes:?}")));
    }
    Ok(())
}

/// Semantic checks after deserialization.
pub(super) fn validate(c: &Config) -> Result<(), ConfigError> {
    if c.server.host.parse::<IpAddr>().is_err() && c.server.host != "localhost" {
        return Err(invalid("server.host", "must be an IP address or `localhost`"));
    }
    if c.server.workers > 1024 {
        return Err(invalid("server.workers", "must be 0 (one per core) to 1024"));
    }
    if c.server.body_limit_bytes < 1024 {
        return Err(invalid("server.body_limit_bytes", "must be at least 1024"));
    }
    if c.server.ready_timeout_ms == 0 {
        return Err(invalid("server.ready_timeout_ms", "must be positive"));
    }
    check_url("database.url", &c.database.url, &["postgres", "postgresql"])?;
    let db_path = url::Url::parse(&c.database.url).map(|u| u.path().trim_start_matches('/').to_owned());
    if db_path.as_deref().map_or(true, str::is_empty) {
        return Err(invalid("database.url", "must name a database (…/veza)"));
    }
    if c.auth.suspension_check_secs == 0 {
        return Err(invalid("auth.suspension_check_secs", "must be positive"));
    }
    if c.reports.per_reporter_per_hour == 0 || c.reports.claim_ttl_secs == 0 {
        return Err(invalid(
            "reports.per_reporter_per_hour",
            "reports.per_reporter_per_hour and reports.claim_ttl_secs must be positive",
        ));
    }
    let st = &c.stats;
    if st.heartbeat_ms == 0 || st.rollup_ms == 0 || st.activity_granularity_secs == 0 {
        return Err(invalid(
            "stats.heartbeat_ms",
            "stats.heartbeat_ms, stats.rollup_ms and stats.activity_granularity_secs must be positive",
        ));
    }
    if st.unreachable_after_ms < 2 * st.heartbeat_ms {
        return Err(invalid("stats.unreachable_after_ms", "must be at least twice stats.heartbeat_ms"));
    }
    let sa = &c.server_api;
    if sa.per_key_per_second == 0 || sa.key_cache_ms == 0 || sa.watch_buffer == 0 {
        return Err(invalid(
            "server_api.per_key_per_second",
            "server_api.per_key_per_second, key_cache_ms and watch_buffer must be positive",
        ));
    }
    if sa.key_cache_ms > 2000 {
        return Err(invalid("server_api.key_cache_ms", "at most 2000: a revoked key is refused within 2 s"));
    }
    let g = &c.grpc;
    if g.tls_cert_path.is_some() != g.tls_key_path.is_some() {
        return Err(invalid("grpc.tls_cert_path", "grpc.tls_cert_path and grpc.tls_key_path go together"));
    }
    if g.max_request_bytes < 1024 {
        return Err(invalid("grpc.max_request_bytes", "at least 1024"));
    }
    let t = &c.telemetry;
    if !(0.0..=1.0).contains(&t.sample_ratio) {
        return Err(invalid("telemetry.sample_ratio", "between 0 and 1"));
    }
    if !t.otlp_endpoint.is_empty()
        && !url::Url::parse(&t.otlp_endpoint).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
    {
        return Err(invalid("telemetry.otlp_endpoint", "an http:// or https:// URL of the collector's OTLP/gRPC port"));
    }
    if t.export_delay_ms == 0 || t.service_name.trim().is_empty() {
        return Err(invalid("telemetry.export_delay_ms", "a positive delay and a service_name"));
    }
    if c.audit.anchor_secs == 0 {
        return Err(invalid("audit.anchor_secs", "must be positive"));
    }
    if c.database.pool_size == 0 || c.database.pool_size > 1000 {
        return Err(invalid("database.pool_size", "must be 1 to 1000"));
    }
    if let Some(read_url) = &c.database.read_url {
        check_url("database.read_url", read_url, &["postgres", "postgresql"])?;
    }
    if c.database.max_replica_lag_ms == 0 {
        return Err(invalid("database.max_replica_lag_ms", "must be positive"));
    }
    if c.database.connect_timeout_ms == 0 {
        return Err(invalid("database.connect_timeout_ms", "must be positive"));
    }
    if let Some(u) = &c.redis.url {
        check_url("redis.url", u, &["redis", "rediss"])?;
    }
    if c.node.settings_poll_ms < 50 {
        return Err(invalid("node.settings_poll_ms", "must be at least 50"));
    }
    if c.redis.timeout_ms == 0 || c.redis.cache_ttl_ms == 0 {
        return Err(invalid("redis.timeout_ms", "redis.timeout_ms and redis.cache_ttl_ms must be positive"));
    }
    if c.redis.presence_ttl_ms < 2 * c.chat.resync_ms.max(1) {
        return Err(invalid("redis.presence_ttl_ms", "must be at least twice chat.resync_ms (the heartbeat)"));
    }
    if let Some(u) = &c.amqp.url {
        check_url("amqp.url", u, &["amqp", "amqps"])?;
    }
    if c.amqp.exchange.trim().is_empty() {
        return Err(invalid("amqp.exchange", "must not be empty"));
    }
    if let Some(id) = &c.node.id {
        let ok = id.len() <= 64 && id.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
        if !ok {
            return Err(invalid("node.id", "at most 64 of [A-Za-z0-9-_.]"));
        }
    }
    if tracing_subscriber::EnvFilter::try_new(&c.log.level).is_err() {
        return Err(invalid("log.level", "not a tracing filter directive (e.g. `info,veza=debug`)"));
    }
    if c.jwt.access_ttl_secs == 0 || c.jwt.access_ttl_secs > 86_400 {
        return Err(invalid("jwt.access_ttl_secs", "must be 1 to 86400"));
    }
    if c.jwt.refresh_ttl_secs < c.jwt.access_ttl_secs {
        return Err(invalid("jwt.refresh_ttl_secs", "must be at least jwt.access_ttl_secs"));
    }
    if c.jwt.key_rotation_secs < c.jwt.access_ttl_secs {
        return Err(invalid("jwt.key_rotation_secs", "must be at least jwt.access_ttl_secs"));
    }
    if c.rate_limit.ip_per_minute == 0 {
        return Err(invalid(
            "rate_limit.ip_per_minute",
            "must be positive (use rate_limit.enabled = false to turn limits off)",
        ));
    }
    let any = c.cors.allowed_origins.iter().any(|o| o == "*");
    if any && c.cors.allow_credentials {
        return Err(invalid("cors.allow_credentials", "cannot be true with allowed_origins = [\"*\"]"));
    }
    for o in c.cors.allowed_origins.iter().filter(|o| *o != "*") {
        check_url("cors.allowed_origins", o, &["http", "https"])?;
    }
    if c.jwt.key_check_interval_ms < 50 {
        return Err(invalid("jwt.key_check_interval_ms", "must be at least 50"));
    }
    let a = &c.auth;
    if a.argon2_memory_kib < 8 * a.argon2_parallelism.max(1) || a.argon2_iterations == 0 || a.argon2_parallelism == 0 {
        return Err(invalid(
            "auth.argon2_memory_kib",
            "argon2 needs memory >= 8 KiB per lane, iterations and lanes >= 1",
        ));
    }
    if a.login_ip_per_minute == 0 || a.login_failures_per_account == 0 || a.login_failure_window_secs == 0 {
        return Err(invalid("auth.login_ip_per_minute", "login limits must be positive"));
    }
    check_url("auth.public_url", &a.public_url, &["http", "https"])?;
    for u in &a.redirect_allowlist {
        check_url("auth.redirect_allowlist", u, &["http", "https"])?;
    }
    for (name, p) in [("oauth.google", &c.oauth.google), ("oauth.github", &c.oauth.github)] {
        if p.enabled() {
            check_url(&format!("{name}.authorize_url"), &p.authorize_url, &["http", "https"])?;
            check_url(&format!("{name}.token_url"), &p.token_url, &["http", "https"])?;
            check_url(&format!("{name}.userinfo_url"), &p.userinfo_url, &["http", "https"])?;
        }
    }
    if let Some(u) = &c.mail.smtp_url {
        check_url("mail.smtp_url", u, &["smtp", "smtps"])?;
    }
    let ch = &c.chat;
    if ch.ping_interval_ms < 50 || ch.idle_timeout_ms <= ch.ping_interval_ms {
        return Err(invalid("chat.idle_timeout_ms", "must exceed chat.ping_interval_ms (>= 50)"));
    }
    if ch.session_mailbox < 16 || ch.writer_max_batch == 0 || ch.send_per_minute == 0 || ch.auth_check_ms < 50 {
        return Err(invalid("chat.session_mailbox", "chat bounds must be positive (mailbox >= 16)"));
    }
    // One committed batch can land in one room at once: a reading client must not look slow.
    if ch.session_mailbox <= ch.writer_max_batch {
        return Err(invalid("chat.session_mailbox", "must exceed chat.writer_max_batch"));
    }
    let o = &c.offers;
    if o.expiry_secs == 0 || o.expiry_secs > 365 * 24 * 3600 {
        return Err(invalid("offers.expiry_secs", "must be 1 s to one year"));
    }
    if o.expiry_check_ms < 50 || o.expiry_batch == 0 {
        return Err(invalid("offers.expiry_check_ms", "must be at least 50 (and expiry_batch positive)"));
    }
    let t = &c.tracks;
    if !(t.storage_url.starts_with("file:///") || t.storage_url.starts_with("s3://")) {
        return Err(invalid("tracks.storage_url", "must be file:///absolute/dir or s3://bucket"));
    }
    if t.max_upload_bytes == 0 || t.quota_bytes == 0 || t.processing_concurrency == 0 {
        return Err(invalid(
            "tracks.max_upload_bytes",
            "upload size, quota and processing concurrency must be positive",
        ));
    }
    if t.max_channels == 0 || t.max_sample_rate < 8000 || t.decode_timeout_ms < 100 {
        return Err(invalid(
            "tracks.max_channels",
            "decode limits: channels > 0, sample rate >= 8000, timeout >= 100 ms",
        ));
    }
    if t.upload_expiry_secs < 60 || t.stream_url_ttl_secs < 10 || t.sweep_interval_ms < 50 {
        return Err(invalid(
            "tracks.upload_expiry_secs",
            "upload expiry >= 60 s, stream URL ttl >= 10 s, sweep >= 50 ms",
        ));
    }
    if c.health.check_interval_ms < 50 {
        return Err(invalid("health.check_interval_ms", "must be at least 50"));
    }
    if c.search.timeout_ms == 0 || c.search.max_concurrent == 0 || c.search.query_log_capacity == 0 {
        return Err(invalid("search.timeout_ms", "a timeout, max_concurrent and query_log_capacity of at least 1"));
    }
    if c.search.commit_ms < 10 || c.search.dir.trim().is_empty() || c.search.keep_changes_hours == 0 {
        return Err(invalid("search.commit_ms", "commits at least 10 ms apart, a search.dir, keep_changes_hours >= 1"));
    }
    Ok(())
}
