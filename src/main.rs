//! The `veza` command: serve a node, migrate the database, check the configuration.

/// jemalloc: fewer cycles per allocation than glibc under the node's many small, short-lived
/// ones (frames, futures, envelopes) on several threads (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use veza::auth::Role;
use veza::config::{self, Config, LoadOptions, redact_url};
use veza::infra::amqp::publish_once;
use veza::infra::events::NodeEvent;
use veza::seed::{load_users, seed_market, seed_search};
use veza::settings::Settings;
use veza::telemetry::Tracing;
use veza::{db, logging, node};

#[derive(Parser)]
#[command(
    name = "veza",
    version,
    about = "Veza: realtime backend for a music community with a marketplace",
    long_about = "Veza: realtime backend for a music community with a marketplace.\n\n\
        Configuration layers, later wins: config/default.toml < config/$VEZA_ENV.toml < VEZA__SECTION__KEY \
        environment variables (e.g. VEZA__SERVER__PORT=9000). Built-in copies of the files are used when \
        the config directory lacks them.",
    after_help = "Examples:\n  veza serve                       run a node (creates and migrates the database first)\n  \
        VEZA_ENV=production veza serve   JSON logs, HSTS\n  veza migrate                     only create/migrate the database\n  \
        veza config check                print the effective configuration, secrets redacted"
)]
struct Cli {
    /// Environment layer to apply (config/<ENV>.toml).
    #[arg(long, global = true, env = "VEZA_ENV", default_value = "development")]
    env: String,
    /// Directory holding default.toml and the environment files.
    #[arg(long, global = true, env = "VEZA_CONFIG_DIR", default_value = "config")]
    config_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a node: create the database if missing, apply migrations, then serve HTTP and WebSockets
    /// until SIGTERM/SIGINT, which drains gracefully.
    Serve,
    /// Create the database if missing and apply pending migrations, then exit.
    Migrate,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Operator tools.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// The search index.
    Search {
        #[command(subcommand)]
        action: SearchAction,
    },
}

#[derive(Subcommand)]
enum SearchAction {
    /// Rebuild the search index from PostgreSQL: every running node does on its next tick,
    /// serving its current index until the rebuild commits. With --offline, this node's index
    /// (<search.dir>/<node id>) is rebuilt here, while its node is stopped, and measured.
    Reindex {
        #[arg(long)]
        offline: bool,
    },
    /// Time queries on this node's index alone (no HTTP, no PostgreSQL), e.g. on a benchmark's
    /// data: JSON, one line per query.
    Probe {
        /// Searches, as typed in a search box.
        #[arg(long = "q")]
        queries: Vec<String>,
        /// Suggestions, as typed.
        #[arg(long)]
        suggest: Vec<String>,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create an account with a role, e.g. the first admin. The password comes from
    /// VEZA_ADMIN_PASSWORD, or from the first line of standard input with --password-stdin.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: String,
        /// user, moderator or admin.
        #[arg(long, default_value = "user")]
        role: String,
        /// Read the password from standard input instead of VEZA_ADMIN_PASSWORD.
        #[arg(long)]
        password_stdin: bool,
    },
    /// API keys of the server API (gRPC and /api/v1/server/…).
    #[command(name = "api-key")]
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Runtime settings (e.g. chat.banned_words); every node picks a change up within a second.
    Settings {
        #[command(subcommand)]
        action: SettingsAction,
    },
    /// Bulk load users (load_user_<n>, a cheap shared password hash) and public rooms, for load tests.
    Seed {
        #[arg(long)]
        users: usize,
        #[arg(long, default_value_t = 0)]
        rooms: usize,
        /// Members per room, taken round-robin from the load users.
        #[arg(long, default_value_t = 0)]
        members: usize,
    },
    /// Bulk load listings sold by the load users (run `seed` first), for marketplace load tests.
    SeedMarket {
        #[arg(long, default_value_t = 10_000)]
        listings: usize,
    },
    /// Bulk load a catalogue to benchmark search at size (COPY; Zipf music words, accents,
    /// typos): users who cannot sign in, listings, tracks without audio, rooms. Every node
    /// rebuilds its index afterwards.
    SeedSearch {
        #[arg(long, default_value_t = 1_000_000)]
        listings: usize,
        #[arg(long, default_value_t = 100_000)]
        tracks: usize,
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        #[arg(long, default_value_t = 10_000)]
        rooms: usize,
    },
    /// Print access tokens for load users as JSON lines {id, username, token}.
    MintTokens {
        /// At most this many users.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// Token lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl_secs: u64,
    },
}

#[derive(Subcommand)]
enum ApiKeyAction {
    /// Create a key and print it once (only its hash is kept). Its name is also the username of
    /// the service user that authors what it publishes.
    Create {
        #[arg(long)]
        name: String,
        /// Comma separated: publish, publish_as, push, presence, history, subscribe, disconnect,
        /// info, watch.
        #[arg(long)]
        scopes: String,
        /// Calls per second for this key (default: server_api.per_key_per_second).
        #[arg(long)]
        rate: Option<u32>,
    },
    /// List keys (never their secrets) as JSON lines.
    List,
    /// Revoke a key by name, id or prefix: refused on every node within server_api.key_cache_ms.
    Revoke { key: String },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the hash chain and check the signed anchors: exits 0 when it holds, 1 naming
    /// the first break.
    Verify {
        /// An anchor token kept outside the database (a node's `audit chain head signed` log
        /// line): the chain must still hold that row with that hash. May be repeated.
        #[arg(long = "anchor")]
        anchors: Vec<String>,
    },
}

#[derive(Subcommand)]
enum SettingsAction {
    /// Print one setting, or all of them.
    Get { key: Option<String> },
    /// Set a setting to a JSON value, e.g. `set chat.banned_words '["spam"]'`.
    Set { key: String, value: String },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate and print the effective configuration (JSON, secrets redacted).
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = LoadOptions { env_name: Some(cli.env.clone()), config_dir: Some(cli.config_dir.clone()), vars: None };
    let cfg = match config::load(opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("veza: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Config { action: ConfigAction::Check } => check(&cfg),
        Command::Migrate => {
            logging::init(&cfg.log);
            migrate(&cfg)
        }
        Command::Admin { action } => {
            logging::init(&cfg.log);
            admin(&cfg, action)
        }
        Command::Search { action: SearchAction::Probe { queries, suggest, runs } } => {
            probe(&cfg, &queries, &suggest, runs)
        }
        Command::Search { action: SearchAction::Reindex { offline } } => {
            logging::init(&cfg.log);
            reindex(&cfg, offline)
        }
        Command::Serve => serve_traced(cfg),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(line) => {
            eprintln!("veza: {line}");
            ExitCode::FAILURE
        }
    }
}

fn check(cfg: &Config) -> Result<(), String> {
    let text = serde_json::to_string_pretty(cfg).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

fn migrate(cfg: &Config) -> Result<(), String> {
    let timeout = Duration::from_millis(cfg.database.connect_timeout_ms);
    let done = db::migrate::prepare(&cfg.database.url, timeout).map_err(|e| e.to_string())?;
    let target = redact_url(&cfg.database.url);
    if done.created_database {
        println!("created database {target}");
    }
    if done.applied.is_empty() {
        println!("{target}: up to date");
    } else {
        println!("{target}: applied {}", done.applied.join(", "));
    }
    Ok(())
}

fn admin(cfg: &Config, action: AdminAction) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    match action {
        AdminAction::CreateUser { email, username, role, password_stdin } => {
            let role = Role::parse(&role).ok_or_else(|| format!("unknown role `{role}` (user, moderator, admin)"))?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
                line.trim_end_matches(['\n', '\r']).to_owned()
            } else {
                std::env::var("VEZA_ADMIN_PASSWORD")
                    .map_err(|_| "set VEZA_ADMIN_PASSWORD or use --password-stdin".to_owned())?
            };
            let id = runtime
                .block_on(veza::auth::bootstrap::create_user(cfg, &email, &username, &password, role))
                .map_err(|e| e.to_string())?;
            println!("created {} `{username}` ({id})", role.as_str());
        }
        AdminAction::Settings { action } => runtime.block_on(settings(cfg, action))?,
        AdminAction::ApiKey { action } => runtime.block_on(api_keys(cfg, action))?,
        AdminAction::Audit { action: AuditAction::Verify { anchors } } => {
            let verified = runtime.block_on(async {
                let mut conn = connect_migrated(cfg).await?;
                // The keys that still verify, as loaded by a node (none is created here).
                let timeout = Duration::from_millis(cfg.database.connect_timeout_ms);
                let pool = db::build_pool(&cfg.database.url, 1, timeout);
                let keys = veza::auth::keys::KeyRing::new(pool, veza::auth::keys::KeyPolicy::from_config(&cfg.jwt));
                keys.reload().await.map_err(|e| e.to_string())?;
                veza::audit::verify::verify(&mut conn, Some(&keys), &anchors)
                    .await
                    .map_err(|e| format!("the audit chain is broken: {e}"))
            })?;
            println!("{}", serde_json::to_string(&verified).map_err(|e| e.to_string())?);
        }
        AdminAction::Seed { users, rooms, members } => {
            let seeded = runtime.block_on(load_users::seed(cfg, users, rooms, members)).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string(&seeded).map_err(|e| e.to_string())?);
        }
        AdminAction::SeedMarket { listings } => {
            let seeded = runtime.block_on(seed_market::seed(cfg, listings)).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string(&seeded).map_err(|e| e.to_string())?);
        }
        AdminAction::SeedSearch { listings, tracks, users, rooms } => {
            let counts = seed_search::Counts { listings, tracks, users, rooms };
            let seeded = runtime.block_on(seed_search::seed(cfg, counts)).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string(&seeded).map_err(|e| e.to_string())?);
        }
        AdminAction::MintTokens { limit, ttl_secs } => {
            let minted = runtime
                .block_on(load_users::mint_tokens(cfg, limit, Duration::from_secs(ttl_secs)))
                .map_err(|e| e.to_string())?;
            for m in minted {
                println!("{}", serde_json::to_string(&m).map_err(|e| e.to_string())?);
            }
        }
    }
    Ok(())
}

/// A connection to the database, created and migrated first if need be.
async fn connect_migrated(cfg: &Config) -> Result<diesel_async::AsyncPgConnection, String> {
    let timeout = Duration::from_millis(cfg.database.connect_timeout_ms);
    let url = cfg.database.url.clone();
    tokio::task::spawn_blocking(move || db::migrate::prepare(&url, timeout))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    db::migrate::connect(&cfg.database.url, timeout).await.map_err(|e| e.to_string())
}

async fn api_keys(cfg: &Config, action: ApiKeyAction) -> Result<(), String> {
    use veza::server_api::{admin as keys, model::Scope};
    let mut conn = connect_migrated(cfg).await?;
    let view = |k: &veza::server_api::repo::KeyRow| {
        serde_json::json!({
            "id": k.id, "name": k.name, "prefix": k.prefix, "scopes": k.scopes, "service_user": k.service_user,
            "rate_per_sec": k.rate_per_sec, "created_at": k.created_at, "revoked_at": k.revoked_at,
        })
    };
    match action {
        ApiKeyAction::Create { name, scopes, rate } => {
            let scopes = Scope::parse_list(&scopes)?;
            let created = keys::create(&mut conn, &name, &scopes, rate).await.map_err(|e| e.to_string())?;
            let mut out = view(&created.row);
            out["key"] = serde_json::Value::String(created.key);
            println!("{out}");
            eprintln!("veza: the key is shown once; keep it secret (only its hash is stored)");
        }
        ApiKeyAction::List => {
            for k in keys::list(&mut conn).await.map_err(|e| e.to_string())? {
                println!("{}", view(&k));
            }
        }
        ApiKeyAction::Revoke { key } => {
            let row = keys::revoke(&mut conn, &key).await.map_err(|e| e.to_string())?;
            println!("{}", view(&row));
        }
    }
    Ok(())
}

async fn settings(cfg: &Config, action: SettingsAction) -> Result<(), String> {
    let mut conn = connect_migrated(cfg).await?;
    match action {
        SettingsAction::Get { key } => {
            let rows = Settings::all(&mut conn).await.map_err(|e| e.to_string())?;
            let rows: Vec<_> = rows.into_iter().filter(|r| key.as_ref().is_none_or(|k| *k == r.key)).collect();
            if let (Some(k), true) = (&key, rows.is_empty()) {
                return Err(format!("no setting `{k}`"));
            }
            println!("{}", serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?);
        }
        SettingsAction::Set { key, value } => {
            let value: serde_json::Value =
                serde_json::from_str(&value).map_err(|e| format!("VALUE is not JSON: {e}"))?;
            let settings = Settings::pinned(&cfg.setting_locks).map_err(|e| e.to_string())?;
            let Some(changed) = settings.set(&mut conn, &key, value.clone(), None).await.map_err(|e| e.to_string())?
            else {
                println!("{key} = {value} (unchanged)");
                return Ok(());
            };
            println!("{key} = {value} (version {})", changed.version);
            // Every node reloads at once; without a broker, within one settings poll.
            if let Some(url) = &cfg.amqp.url {
                let event = NodeEvent::SettingsChanged { version: changed.version };
                if let Err(e) = publish_once(url, &cfg.amqp.exchange, cfg.node_id(), event).await {
                    eprintln!(
                        "nodes not told over RabbitMQ ({e}); they pick the change up within node.settings_poll_ms"
                    );
                }
            }
        }
    }
    Ok(())
}

fn probe(cfg: &Config, queries: &[String], suggest: &[String], runs: usize) -> Result<(), String> {
    let timed =
        veza::search::probe::probe(&cfg.search_index_dir(), queries, suggest, runs, veza::listings::facets::RULES)
            .map_err(|e| e.to_string())?;
    for t in timed {
        println!("{}", serde_json::to_string(&t).map_err(|e| e.to_string())?);
    }
    Ok(())
}

fn reindex(cfg: &Config, offline: bool) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut conn = connect_migrated(cfg).await?;
        if offline {
            let dir = cfg.search_index_dir();
            let done =
                veza::search::reindex::offline(&mut conn, &dir, cfg.search.writer_budget_bytes).await.map_err(|e| {
                    format!("{e} (is a node running with {}? stop it, or reindex without --offline)", dir.display())
                })?;
            println!("{}", serde_json::to_string(&done).map_err(|e| e.to_string())?);
        } else {
            let request = veza::search::indexer::request_rebuild(&mut conn).await.map_err(|e| e.to_string())?;
            println!("every node rebuilds its search index on its next tick (request {request})");
        }
        Ok(())
    })
}

/// `serve` with its logs and, when configured, its traces; the trace pipeline outlives the
/// node, so the spans of the drain are sent too.
fn serve_traced(cfg: Config) -> Result<(), String> {
    let tracing = Tracing::start(&cfg.telemetry, cfg.node_id()).map_err(|e| e.to_string())?;
    logging::init_with(&cfg.log, tracing.as_ref()).map_err(|e| e.to_string())?;
    let served = serve(cfg);
    drop(tracing);
    served
}

fn serve(cfg: Config) -> Result<(), String> {
    actix_rt::System::new().block_on(async move {
        let node = node::start(cfg).await.map_err(|e| e.to_string())?;
        node.run_until_signal().await.map_err(|e| e.to_string())
    })
}
