//! The `veza` command: serve a node, migrate the database, check the configuration.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use veza::auth::Role;
use veza::config::{self, Config, LoadOptions, redact_url};
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
        Command::Serve => {
            logging::init(&cfg.log);
            serve(cfg)
        }
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
    let AdminAction::CreateUser { email, username, role, password_stdin } = action;
    let role = Role::parse(&role).ok_or_else(|| format!("unknown role `{role}` (user, moderator, admin)"))?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        std::env::var("VEZA_ADMIN_PASSWORD")
            .map_err(|_| "set VEZA_ADMIN_PASSWORD or use --password-stdin".to_owned())?
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let id = runtime
        .block_on(veza::auth::bootstrap::create_user(cfg, &email, &username, &password, role))
        .map_err(|e| e.to_string())?;
    println!("created {} `{username}` ({id})", role.as_str());
    Ok(())
}

fn serve(cfg: Config) -> Result<(), String> {
    actix_rt::System::new().block_on(async move {
        let node = node::start(cfg).await.map_err(|e| e.to_string())?;
        node.run_until_signal().await.map_err(|e| e.to_string())
    })
}
