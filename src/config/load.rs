//! Reads the layers and produces a validated [`Config`].

use super::{Config, validate::validate};
use config::{Environment, File, FileFormat};
use std::collections::HashMap;
use std::path::PathBuf;

/// The built-in copies of the config files, so the binary runs anywhere; a file of the same
/// name in the config directory replaces its built-in copy.
const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../../config/default.toml")),
    ("development", include_str!("../../config/development.toml")),
    ("production", include_str!("../../config/production.toml")),
    ("test", include_str!("../../config/test.toml")),
    ("bench", include_str!("../../config/bench.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {key}: {reason}")]
    Invalid { key: String, reason: String },
    #[error("invalid configuration: {0}")]
    Load(String),
    #[error("invalid configuration: unknown environment `{0}` (no config/{0}.toml)")]
    UnknownEnv(String),
}

/// Where to read from. `Default` reads `VEZA_ENV`, `VEZA_CONFIG_DIR` and the process environment.
#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    /// Environment layer name; else `VEZA_ENV`; else `development`.
    pub env_name: Option<String>,
    /// Directory of the TOML files; else `VEZA_CONFIG_DIR`; else `./config`.
    pub config_dir: Option<PathBuf>,
    /// The `VEZA__*` variables to apply; `None` reads the process environment.
    pub vars: Option<HashMap<String, String>>,
}

fn layer(dir: &std::path::Path, name: &str) -> Result<File<config::FileSourceString, FileFormat>, ConfigError> {
    let path = dir.join(format!("{name}.toml"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(File::from_str(&text, FileFormat::Toml));
    }
    EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| File::from_str(text, FileFormat::Toml))
        .ok_or_else(|| ConfigError::UnknownEnv(name.to_owned()))
}

/// Loads, layers and validates the configuration.
pub fn load(opts: LoadOptions) -> Result<Config, ConfigError> {
    let vars = opts.vars.unwrap_or_else(|| std::env::vars().collect());
    let env_name = opts
        .env_name
        .or_else(|| vars.get("VEZA_ENV").cloned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "development".to_owned());
    let dir = opts
        .config_dir
        .or_else(|| vars.get("VEZA_CONFIG_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("config"));
    // Runtime settings pinned by the operator: read by the settings, not the typed config.
    let mut setting_locks: Vec<(String, String)> =
        vars.iter().filter(|(k, _)| k.starts_with("VEZA_SETTING__")).map(|(k, v)| (k.clone(), v.clone())).collect();
    setting_locks.sort();
    // Only VEZA__* variables: VEZA_ENV and VEZA_CONFIG_DIR pick the layers, they are not keys.
    let env_vars: HashMap<String, String> = vars.into_iter().filter(|(k, _)| k.starts_with("VEZA__")).collect();

    let built = config::Config::builder()
        .add_source(layer(&dir, "default")?)
        .add_source(layer(&dir, &env_name)?)
        .add_source(
            Environment::with_prefix("VEZA")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("cors.allowed_origins")
                .with_list_parse_key("auth.redirect_allowlist")
                .source(Some(env_vars.into_iter().collect())),
        )
        .build()
        .map_err(|e| ConfigError::Load(one_line(&e.to_string())))?;
    let mut cfg: Config = built.try_deserialize().map_err(|e| ConfigError::Load(one_line(&e.to_string())))?;
    cfg.env = env_name;
    cfg.setting_locks = setting_locks;
    validate(&cfg)?;
    if cfg.node.id.is_none() {
        cfg.node.id = Some(default_node_id());
    }
    Ok(cfg)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Host name plus a short random suffix, so two nodes on one host differ.
fn default_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "veza".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}", &suffix[..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn opts(env: &str, vars: &[(&str, &str)]) -> LoadOptions {
        LoadOptions {
            env_name: Some(env.to_owned()),
            config_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")),
            vars: Some(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
        }
    }

    #[test]
    fn defaults_then_env_layer_then_variables() -> TestResult {
        let c = load(opts("development", &[]))?;
        assert_eq!(c.server.port, 8080);
        assert_eq!(c.database.url, "postgres://postgres@127.0.0.1:5432/veza");
        assert!(c.redis.url.is_none() && c.amqp.url.is_none());
        assert_eq!(c.log.format, super::super::LogFormat::Pretty);

        let p = load(opts("production", &[("VEZA__SERVER__PORT", "9001"), ("VEZA__LOG__FORMAT", "pretty")]))?;
        assert!(p.server.hsts, "production layer applies");
        assert_eq!(p.server.port, 9001, "variables beat files");
        assert_eq!(p.log.format, super::super::LogFormat::Pretty);

        let bench = load(opts("bench", &[]))?;
        assert!(
            bench.server.hsts && bench.chat.send_per_minute >= 1_000_000,
            "bench: production with throttles raised"
        );
        let prod = load(opts("production", &[]))?;
        assert_eq!(prod.log.format, super::super::LogFormat::Json, "production logs JSON");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(prod.workers(), cores, "workers = 0 means one per core");
        let one = load(opts("production", &[("VEZA__SERVER__WORKERS", "3")]))?;
        assert_eq!(one.workers(), 3);
        Ok(())
    }

    #[test]
    fn lists_and_optional_urls_from_variables() -> TestResult {
        let c = load(opts(
            "development",
            &[
                ("VEZA__SERVER__TRUSTED_PROXIES", "10.0.0.1,192.168.0.0/16"),
                ("VEZA__CORS__ALLOWED_ORIGINS", "https://a.example,https://b.example"),
                ("VEZA__REDIS__URL", "redis://127.0.0.1:6379"),
                ("VEZA__AMQP__URL", ""),
                ("VEZA__NODE__ID", "node-7"),
            ],
        ))?;
        assert_eq!(c.server.trusted_proxies.len(), 2);
        assert_eq!(c.cors.allowed_origins, vec!["https://a.example", "https://b.example"]);
        assert_eq!(c.redis.url.as_deref(), Some("redis://127.0.0.1:6379"));
        assert!(c.amqp.url.is_none(), "empty means unset");
        assert_eq!(c.node_id(), "node-7");
        Ok(())
    }

    #[test]
    fn generated_node_id_has_a_suffix() -> TestResult {
        let a = load(opts("development", &[]))?;
        let b = load(opts("development", &[]))?;
        assert_ne!(a.node_id(), b.node_id());
        Ok(())
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("VEZA__SERVER__PORT", "eighty", "server.port"),
            ("VEZA__SERVER__PORT", "70000", "server.port"),
            ("VEZA__LOG__FORMAT", "xml", "log"),
            ("VEZA__DATABASE__URL", "mysql://x/y", "database.url"),
            ("VEZA__SERVER__TRUSTED_PROXIES", "10.0.0.300", "trusted_proxies"),
            ("VEZA__DATABASE__POOL_SIZE", "0", "database.pool_size"),
            ("VEZA__REDIS__URL", "http://nope", "redis.url"),
        ];
        for (k, v, needle) in cases {
            let err = load(opts("development", &[(k, v)])).expect_err(k).to_string();
            assert!(err.contains(needle), "{k}={v}: `{err}` should name {needle}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn unknown_environment_is_an_error() {
        let err = load(opts("staging-nope", &[])).expect_err("unknown env").to_string();
        assert!(err.contains("staging-nope"));
    }
}
