//! Typed configuration. Layers (later wins): `config/default.toml` < `config/$VEZA_ENV.toml`
//! < `VEZA__SECTION__KEY` environment variables. Loading is in `load.rs`, checks in `validate.rs`.

mod load;
mod redact;
mod validate;

pub use load::{ConfigError, LoadOptions, load};
pub use redact::redact_url;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The whole node configuration, as read from every layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub amqp: AmqpConfig,
    pub node: NodeConfig,
    pub log: LogConfig,
    pub jwt: JwtConfig,
    pub rate_limit: RateLimitConfig,
    pub drain: DrainConfig,
    pub cors: CorsConfig,
    pub health: HealthConfig,
    pub auth: AuthConfig,
    pub oauth: OAuthConfig,
    pub mail: MailConfig,
    pub chat: ChatConfig,
    pub listings: ListingsConfig,
    pub offers: OffersConfig,
    pub tracks: TracksConfig,
    pub search: SearchConfig,
    pub audit: AuditConfig,
    pub reports: ReportsConfig,
    pub stats: StatsConfig,
    pub server_api: ServerApiConfig,
    pub grpc: GrpcConfig,
    pub telemetry: TelemetryConfig,
    pub web: WebConfig,
    /// Which environment layer was applied (`VEZA_ENV`), for `config check` and logs.
    #[serde(default)]
    pub env: String,
    /// `VEZA_SETTING__A__B=<json>` variables: runtime settings the operator pins (checked by
    /// `settings`, not here).
    #[serde(default, skip_serializing)]
    pub setting_locks: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    /// Parsed from IPs or CIDRs; a bare IP is a /32 (or /128).
    #[serde(deserialize_with = "validate::de_ip_nets")]
    pub trusted_proxies: Vec<IpNet>,
    pub body_limit_bytes: usize,
    pub hsts: bool,
    pub ready_timeout_ms: u64,
    pub socket_send_buffer_bytes: usize,
    pub tcp_user_timeout_ms: u64,
    pub keep_alive_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    #[serde(serialize_with = "redact::ser_url")]
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_ms: u64,
    /// A streaming replica for read-only queries; unset: every query goes to `url`.
    #[serde(default, deserialize_with = "validate::de_opt_string", serialize_with = "redact::ser_opt_url")]
    pub read_url: Option<String>,
    /// Past this replay lag (or unreachable) the replica is not read from.
    pub max_replica_lag_ms: u64,
    /// How long a read waits for the replica to replay the reader's own last write before it
    /// goes to the primary instead.
    pub read_your_writes_wait_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    #[serde(default, deserialize_with = "validate::de_opt_string", serialize_with = "redact::ser_opt_url")]
    pub url: Option<String>,
    pub key_prefix: String,
    /// Deadline for every Redis call; past it the caller falls back (local limits, the loader).
    pub timeout_ms: u64,
    /// A room presence entry lives this long without a heartbeat (rooms beat every chat.resync_ms).
    pub presence_ttl_ms: u64,
    /// Lifetime of a read-cache entry (bounds staleness when an invalidation is lost).
    pub cache_ttl_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmqpConfig {
    #[serde(default, deserialize_with = "validate::de_opt_string", serialize_with = "redact::ser_opt_url")]
    pub url: Option<String>,
    pub exchange: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Always set after loading: a configured id, or host name plus a random suffix.
    #[serde(default, deserialize_with = "validate::de_opt_string")]
    pub id: Option<String>,
    /// Runtime settings version poll: the path a change takes when the broker is away.
    pub settings_poll_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
    /// Also write the log to daily files here (empty: stdout/stderr only).
    #[serde(default)]
    pub file_dir: String,
    /// Daily log files kept; older ones are removed.
    #[serde(default = "default_log_keep_days")]
    pub file_keep_days: usize,
}

fn default_log_keep_days() -> usize {
    7
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    pub refresh_reuse_grace_secs: u64,
    pub key_rotation_secs: u64,
    pub key_check_interval_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub login_ip_per_minute: u32,
    pub login_failures_per_account: u32,
    pub login_failure_window_secs: u64,
    pub magic_link_ttl_secs: u64,
    pub oauth_state_ttl_secs: u64,
    pub login_code_ttl_secs: u64,
    pub public_url: String,
    pub redirect_allowlist: Vec<String>,
    pub denylist_refresh_ms: u64,
    /// How often a node makes active again the accounts whose suspension has ended.
    pub suspension_check_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// Reports one user may file per hour.
    pub per_reporter_per_hour: u32,
    /// How long a moderator's claim on a case holds.
    pub claim_ttl_secs: u64,
}

/// The numbers behind `GET /admin/stats` (`crate::stats`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsConfig {
    /// Each node writes its heartbeat (and the users it saw) this often.
    pub heartbeat_ms: u64,
    /// A node whose heartbeat is older than this is listed as unreachable.
    pub unreachable_after_ms: u64,
    /// The rollup is recomputed this often, by one node at a time.
    pub rollup_ms: u64,
    /// Longer than any transaction that writes messages or plays: ids older than this are final.
    pub count_lag_ms: u64,
    /// A user's last activity is written at most this often (the precision of the windows).
    pub activity_granularity_secs: u64,
}

/// The server API (`crate::server_api`): keys, limits, streams.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerApiConfig {
    /// Calls per second per API key (a key's own `rate_per_sec` wins), every door together.
    pub per_key_per_second: u32,
    /// Calls a key may make at once above its rate.
    pub burst: u32,
    /// A node trusts what it read of a key this long: the bound on revocation without a broker.
    pub key_cache_ms: u64,
    /// Messages a `WatchRoom` stream holds for a slow reader before it falls back to the database.
    pub watch_buffer: usize,
}

/// The gRPC listener of the server API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcConfig {
    /// Off by default: a node serves gRPC only when asked.
    pub enabled: bool,
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Threads serving gRPC (each with its own listener on the port); 0: as many as `server.workers`.
    pub workers: usize,
    /// PEM certificate chain and key: TLS when both are set.
    pub tls_cert_path: Option<String>,
    pub tls_key_path: Option<String>,
    /// Largest request accepted, in bytes.
    pub max_request_bytes: usize,
}

/// OpenTelemetry traces over OTLP/gRPC.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector, e.g. `http://otel-collector:4317`. Empty: no traces, no spans made for them.
    pub otlp_endpoint: String,
    /// Share of new traces recorded (0 to 1); a trusted caller's sampled flag is followed.
    pub sample_ratio: f64,
    /// `service.name` of every span.
    pub service_name: String,
    /// Spans wait at most this long in the node before they are sent.
    pub export_delay_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    pub anchor_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthConfig {
    pub google: OAuthProviderConfig,
    pub github: OAuthProviderConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthProviderConfig {
    pub client_id: String,
    #[serde(serialize_with = "redact::ser_secret")]
    pub client_secret: String,
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub emails_url: String,
    pub scopes: String,
}

impl OAuthProviderConfig {
    pub fn enabled(&self) -> bool {
        !self.client_id.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    #[serde(default, deserialize_with = "validate::de_opt_string", serialize_with = "redact::ser_opt_url")]
    pub smtp_url: Option<String>,
    pub from: String,
    pub poll_interval_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub enabled: bool,
    pub ip_per_minute: u32,
    pub ip_burst: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrainConfig {
    pub delay_ms: u64,
    pub grace_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    pub allowed_origins: Vec<String>,
    pub allow_credentials: bool,
    pub max_age_secs: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatConfig {
    pub ping_interval_ms: u64,
    pub idle_timeout_ms: u64,
    pub session_mailbox: usize,
    pub auth_check_ms: u64,
    pub send_per_minute: u32,
    pub send_burst: u32,
    pub typing_interval_ms: u64,
    pub writer_max_batch: usize,
    pub writer_flush_ms: u64,
    pub gap_wait_ms: u64,
    pub room_idle_secs: u64,
    pub room_shards: usize,
    pub resync_ms: u64,
}

/// Marketplace listings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingsConfig {
    pub facet_cache_ms: u64,
    /// How often a node adds the page views it counted to `listings.views`.
    pub views_flush_ms: u64,
}

/// Marketplace offers: how long the party whose turn it is has to answer, and the scheduler.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffersConfig {
    pub expiry_secs: u64,
    pub expiry_check_ms: u64,
    pub expiry_batch: u32,
}

/// Tracks: where blobs live, what an upload may be, how processing is bounded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TracksConfig {
    /// `file:///absolute/dir` or `s3://bucket` (then `tracks.s3`).
    pub storage_url: String,
    /// Where uploads are spooled before they are checked; empty: `<system temp>/veza-uploads`.
    pub tmp_dir: String,
    pub max_upload_bytes: u64,
    /// Per user: tracks plus unfinished resumable uploads.
    pub quota_bytes: u64,
    /// Decode passes (metadata, peaks, loudness) at once on this node; more wait their turn.
    pub processing_concurrency: usize,
    pub max_channels: usize,
    pub max_sample_rate: u32,
    pub decode_timeout_ms: u64,
    /// An unfinished resumable upload is removed this long after its creation.
    pub upload_expiry_secs: u64,
    /// Lifetime of a signed stream URL.
    pub stream_url_ttl_secs: u64,
    /// How often orphaned blobs and expired uploads are swept.
    pub sweep_interval_ms: u64,
    pub s3: S3Config,
}

/// Search: each node's own index, fed from the change log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// The node's index lives in `<dir>/<node id>` (tantivy locks it: nodes never share one).
    pub dir: String,
    /// The change log is applied and committed at least this often.
    pub commit_ms: u64,
    /// The index writer's memory (tantivy takes at least 15 MB).
    pub writer_budget_bytes: usize,
    /// The change log keeps this much; an index that falls further behind is rebuilt.
    pub keep_changes_hours: u64,
    /// A search still running after this answers with what it found, `partial: true`.
    pub timeout_ms: u64,
    /// Searches run on at most this many blocking threads at once; more wait (within the
    /// timeout) for one.
    pub max_concurrent: usize,
    /// A query shows among popular ones only once this many distinct users searched it.
    pub popular_min_users: u32,
    /// Searches waiting to be counted; past this, new ones are dropped (and counted as dropped).
    pub query_log_capacity: usize,
    /// A `/listings` narrowing (category, tags, condition) asked again gets a shelf of its own
    /// per segment once it admits this many listings there (`search/filter_shelves.rs`).
    pub filter_shelf_min_listings: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// Empty: AWS's endpoint for the region.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    #[serde(serialize_with = "redact::ser_secret")]
    pub secret_access_key: String,
    /// Plain-HTTP endpoints (a local S3 server) are refused unless set.
    pub allow_http: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// The built web client (`web/dist`), served at `/`; empty: none.
    pub dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    pub check_interval_ms: u64,
}

impl Config {
    /// The node id; loading always fills it.
    pub fn node_id(&self) -> &str {
        self.node.id.as_deref().unwrap_or("veza")
    }

    /// This node's search index: `<search.dir>/<node id>`.
    pub fn search_index_dir(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(&self.search.dir).join(self.node_id().replace(['/', '\\'], "_"))
    }

    /// Where uploads are spooled while they are hashed and checked.
    pub fn upload_spool_dir(&self) -> std::path::PathBuf {
        match self.tracks.tmp_dir.as_str() {
            "" => std::env::temp_dir().join("veza-uploads"),
            dir => std::path::PathBuf::from(dir),
        }
    }

    /// The blob directory when blobs live on a local filesystem (`file://`), not in S3.
    pub fn local_blob_dir(&self) -> Option<std::path::PathBuf> {
        self.tracks.storage_url.strip_prefix("file://").map(std::path::PathBuf::from)
    }

    /// HTTP workers to start: the configured count, or one per core.
    pub fn workers(&self) -> usize {
        match self.server.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// gRPC serving threads: `grpc.workers`, or as many as the HTTP workers.
    pub fn grpc_workers(&self) -> usize {
        match self.grpc.workers {
            0 => self.workers(),
            n => n,
        }
    }
}

impl DrainConfig {
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms)
    }
    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms)
    }
}
