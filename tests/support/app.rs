//! The real node, in this process, on a random port, against a fresh database.

use super::db::TestDb;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use veza::config::{self, Config, LoadOptions};
use veza::node::{self, NodeHandle};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// The `test` config layer plus `vars` (`VEZA__…` overrides), pointed at `db`.
pub fn test_config(db_url: &str, vars: &[(&str, &str)]) -> Config {
    let mut all: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    all.entry("VEZA__DATABASE__URL".into()).or_insert_with(|| db_url.to_owned());
    // Every test database has its own storage and spool directories (removed with it), so
    // parallel tests never see each other's blobs; nodes sharing a database share them.
    let files = super::db::files_dir(db_url);
    all.entry("VEZA__TRACKS__STORAGE_URL".into())
        .or_insert_with(|| format!("file://{}", files.join("blobs").display()));
    all.entry("VEZA__TRACKS__TMP_DIR".into()).or_insert_with(|| files.join("spool").display().to_string());
    // Each node its own index (under <dir>/<node id>, and node ids differ per node).
    all.entry("VEZA__SEARCH__DIR".into()).or_insert_with(|| files.join("search").display().to_string());
    config::load(LoadOptions {
        env_name: Some("test".into()),
        config_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")),
        vars: Some(all),
    })
    .expect("test config is valid")
}

/// A running node; stopped (and its database dropped) when dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub handle: NodeHandle,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    // Declared last: dropped after the node has stopped.
    pub db: TestDb,
}

impl TestApp {
    /// Waits until `/health` says the search index is `state` (`ready`, `building`, `down`).
    pub async fn search_state(&self, state: &str) {
        eventually(Duration::from_secs(30), &format!("the search index {state}"), || async {
            let health: serde_json::Value = self.get("/health").await.json().await.ok()?;
            (health["checks"]["search"] == state).then_some(())
        })
        .await;
    }

    /// A node with the test config on a fresh database.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// A node with `VEZA__…` overrides on a fresh database.
    pub async fn spawn_with(vars: &[(&str, &str)]) -> TestApp {
        let db = TestDb::new().await;
        let cfg = test_config(&db.url, vars);
        Self::start(cfg, db).await
    }

    /// A node with an explicit config (its database URL may point through a proxy to `db`).
    pub async fn start(cfg: Config, db: TestDb) -> TestApp {
        init_logs();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let node = match node::start(cfg).await {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let handle = node.handle.clone();
                let _ = ready_tx.send(Ok((node.addr, node.handle.clone())));
                actix_rt::spawn(async move {
                    if stop_rx.await.is_ok() {
                        handle.stop_now().await;
                    }
                });
                let _ = node.wait().await;
            });
        });
        let (addr, handle) = ready_rx.await.expect("node thread answered").expect("node started");
        TestApp { addr, handle, client: client(), stop: Some(stop_tx), thread: Some(thread), db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    /// POST a raw body with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// POST JSON, with a bearer token when given.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    /// GET with a bearer token.
    pub async fn get_auth(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request sent")
    }

    /// Any method with a bearer token and an optional JSON body.
    pub async fn send_auth(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    /// Registers `name` (`name@example.com`, password [`PASSWORD`]); answers the 201 body.
    pub async fn register(&self, name: &str) -> serde_json::Value {
        let body =
            serde_json::json!({ "email": format!("{name}@example.com"), "username": name, "password": PASSWORD });
        let res = self.post_json("/api/v1/auth/register", &body, None).await;
        assert_eq!(res.status(), 201, "register {name}");
        res.json().await.expect("json")
    }

    /// Registers `name` and answers (user id, access token, refresh token).
    pub async fn user(&self, name: &str) -> (String, String, String) {
        let b = self.register(name).await;
        let s = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
        (s(&b["user"]["id"]), s(&b["access_token"]), s(&b["refresh_token"]))
    }

    /// Current value of one Prometheus series, e.g. `veza_http_requests_total{method="GET",route="/health",status="200"}`.
    pub async fn metric(&self, series: &str) -> Option<f64> {
        let text = self.get("/metrics").await.text().await.ok()?;
        metric_value(&text, series)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Finds `series value` in a Prometheus text exposition.
pub fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.trim().parse().ok())
    })
}

/// An HTTP client for tests: no proxies from the environment, bounded waits.
pub fn client() -> reqwest::Client {
    // reqwest is built without a default crypto provider (STACK.md); an in-process node
    // installs ring, but a test talking only to child processes must do it itself.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(15)).build().expect("reqwest client")
}

/// `VEZA_TEST_LOG=debug` shows the nodes' logs.
fn init_logs() {
    if let Ok(level) = std::env::var("VEZA_TEST_LOG") {
        veza::logging::init(&veza::config::LogConfig {
            format: veza::config::LogFormat::Pretty,
            level,
            file_dir: String::new(),
            file_keep_days: 7,
        });
    }
}

/// Polls `f` until it returns `Some`, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
