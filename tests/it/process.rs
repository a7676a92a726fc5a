//! The `veza` binary as a process: config errors, an unreachable database, the CLI,
//! graceful drain on SIGTERM, and two nodes racing to create one database.

use crate::support::TestDb;
use crate::support::app::eventually;
use crate::support::process::{ChildNode, run};
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde_json::Value;
use std::io::{Read, Write};
use std::time::Duration;

#[test]
fn a_bad_config_value_exits_with_one_line_naming_the_key() {
    let (status, _out, err) = run(&["serve"], &[("VEZA__SERVER__PORT", "eighty")]);
    assert_eq!(status.code(), Some(2));
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("server.port"), "{err}");

    let (status, _out, err) = run(&["config", "check"], &[("VEZA__LOG__FORMAT", "xml")]);
    assert_eq!(status.code(), Some(2));
    assert!(err.contains("log") && err.contains("xml"), "{err}");
}

#[test]
fn an_unreachable_database_exits_naming_the_url_without_its_password() {
    let (status, _out, err) = run(&["serve"], &[("VEZA__DATABASE__URL", "postgres://veza:hunter2@127.0.0.1:1/veza")]);
    assert_eq!(status.code(), Some(1));
    let last = err.trim().lines().last().unwrap_or_default();
    assert!(last.contains("127.0.0.1:1") && last.contains("make services"), "{last}");
    assert!(!err.contains("hunter2"), "password leaked: {err}");
}

#[test]
fn config_check_prints_the_effective_config_with_secrets_redacted() {
    let (status, out, _err) = run(
        &["config", "check"],
        &[("VEZA__DATABASE__URL", "postgres://veza:hunter2@db:5432/veza"), ("VEZA__SERVER__PORT", "9999")],
    );
    assert!(status.success());
    let cfg: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(cfg["server"]["port"], 9999);
    assert_eq!(cfg["database"]["url"], "postgres://veza:***@db:5432/veza");
    assert_eq!(cfg["env"], "test");
    assert!(!out.contains("hunter2"));
}

#[test]
fn help_lists_the_commands() {
    let (status, out, _) = run(&["--help"], &[]);
    assert!(status.success());
    for cmd in ["serve", "migrate", "config"] {
        assert!(out.contains(cmd), "{out}");
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn migration_count() -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    std::fs::read_dir(dir).expect("migrations dir").filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir())).count()
        as i64
}

#[tokio::test]
async fn migrate_creates_the_database_then_reports_up_to_date() {
    let db = TestDb::not_created();
    let vars = [("VEZA__DATABASE__URL", db.url.as_str())];
    let (status, out, err) = run(&["migrate"], &vars);
    assert!(status.success(), "{err}");
    assert!(out.contains("created database") && out.contains("applied"), "{out}");
    let (status, out, _) = run(&["migrate"], &vars);
    assert!(status.success());
    assert!(out.contains("up to date"), "{out}");
    let n: Count = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result(&mut db.conn().await)
        .await
        .expect("query");
    assert_eq!(n.n, migration_count());
}

#[tokio::test]
async fn two_nodes_started_at_once_on_a_new_database_both_come_up() {
    let db = TestDb::not_created();
    let url = db.url.clone();
    let spawn = |url: String| std::thread::spawn(move || ChildNode::spawn(&[("VEZA__DATABASE__URL", url.as_str())]));
    let (a, b) = (spawn(url.clone()), spawn(url));
    let a = a.join().expect("node a");
    let b = b.join().expect("node b");
    let client = crate::support::app::client();
    for node in [&a, &b] {
        let res = client.get(node.url("/ready")).send().await.expect("sent");
        assert_eq!(res.status(), 200);
    }
    let n: Count = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result(&mut db.conn().await)
        .await
        .expect("query");
    assert_eq!(n.n, migration_count(), "each migration applied exactly once");
    let created = a.logs().iter().chain(b.logs().iter()).filter(|l| l.contains("created database")).count();
    assert_eq!(created, 1, "exactly one node created the database");
    drop((a, b));
}

/// A client that keeps no idle connection: idle keep-alives would hold the drain open.
fn one_shot_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_ready_503_then_in_flight_completes_and_exit_0() {
    let db = TestDb::new().await;
    let mut node = ChildNode::spawn(&[
        ("VEZA__DATABASE__URL", db.url.as_str()),
        ("VEZA__DRAIN__DELAY_MS", "1500"),
        ("VEZA__DRAIN__GRACE_MS", "5000"),
    ]);
    let client = one_shot_client();
    assert_eq!(client.get(node.url("/ready")).send().await.expect("sent").status(), 200);

    // An upload still in flight when the signal arrives: headers and half the body now.
    let body = br#"{"csp-report":{"document-uri":"https://a.example/","violated-directive":"img-src"}}"#;
    let mut slow = std::net::TcpStream::connect(node.addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let head = format!(
        "POST /api/v1/csp-reports HTTP/1.1\r\nHost: veza\r\nContent-Type: application/csp-report\r\nContent-Length: {}\r\nX-Request-Id: slow-upload-1\r\nConnection: close\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).expect("head");
    slow.write_all(&body[..20]).expect("first half");

    node.terminate();
    // During the drain delay: not ready, but everything still served.
    let ready = eventually(Duration::from_secs(1), "ready 503 while draining", || async {
        let res = client.get(node.url("/ready")).send().await.ok()?;
        (res.status() == 503).then_some(res)
    })
    .await;
    let problem: Value = ready.json().await.expect("json");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("draining")), "{problem}");
    assert_eq!(client.get(node.url("/health")).send().await.expect("sent").status(), 200, "still serving");

    // After the delay the node stops accepting...
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let refused = client.get(node.url("/health")).send().await;
    assert!(refused.is_err(), "new connections are refused after the drain delay");
    assert_eq!(node.wait(Duration::from_millis(100)), None, "still finishing the in-flight request");

    // ...and the in-flight request completes.
    slow.write_all(&body[20..]).expect("second half");
    let mut reply = String::new();
    slow.read_to_string(&mut reply).expect("reply");
    assert!(reply.starts_with("HTTP/1.1 204"), "{reply}");

    let status = node.wait(Duration::from_secs(10)).expect("exits after draining");
    assert_eq!(status.code(), Some(0));

    let logs = node.logs();
    let alone = logs.iter().filter(|l| l.contains("running alone")).count();
    assert_eq!(alone, 1, "says once that it runs alone");
    let served =
        logs.iter().find(|l| l.contains("slow-upload-1") && l.contains("served")).expect("access log of the upload");
    let line: Value = serde_json::from_str(served).expect("JSON log line");
    assert_eq!(line["span"]["request_id"], "slow-upload-1", "request id on the request's log lines: {served}");
    assert!(logs.iter().any(|l| l.contains("drained")), "logs the end of the drain");
}

#[tokio::test]
async fn admin_create_user_bootstraps_an_admin_who_can_log_in() {
    let db = TestDb::new().await;
    let url = db.url.clone();
    let vars = [("VEZA__DATABASE__URL", url.as_str()), ("VEZA_ADMIN_PASSWORD", "a long admin password")];
    let (status, out, err) =
        run(&["admin", "create-user", "--email", "root@example.com", "--username", "Root", "--role", "admin"], &vars);
    assert!(status.success(), "{err}");
    assert!(out.contains("created admin `Root`"), "{out}");
    let (status, _, err) =
        run(&["admin", "create-user", "--email", "ROOT@example.com", "--username", "other", "--role", "admin"], &vars);
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("already registered"), "{err}");
    let (status, _, err) =
        run(&["admin", "create-user", "--email", "x@example.com", "--username", "x_y", "--role", "god"], &vars);
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("unknown role"), "{err}");

    let app = crate::support::TestApp::start(crate::support::app::test_config(&url, &[]), db).await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({ "login": "root", "password": "a long admin password" }),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let pair: Value = res.json().await.expect("json");
    assert_eq!(pair["user"]["roles"], serde_json::json!(["user", "admin"]));
}

#[tokio::test]
async fn settings_cli_changes_reach_a_running_node_within_two_seconds() {
    let db = TestDb::new().await;
    let url = db.url.clone();
    let app = crate::support::TestApp::start(crate::support::app::test_config(&url, &[]), db).await;
    let (_, token, _) = app.user("poster").await;
    let res = app
        .post_json("/api/v1/rooms", &serde_json::json!({ "name": "CLI", "visibility": "public" }), Some(&token))
        .await;
    let room = res.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let post = |body: &'static str| {
        let (app, token, room) = (&app, token.clone(), room.clone());
        async move {
            app.post_json(&format!("/api/v1/rooms/{room}/messages"), &serde_json::json!({ "body": body }), Some(&token))
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(post("totally legit offer").await, 201);
    let vars = [("VEZA__DATABASE__URL", url.as_str())];
    let (status, out, err) = run(&["admin", "settings", "set", "chat.banned_words", r#"["legit"]"#], &vars);
    assert!(status.success(), "{err}");
    assert!(out.contains("chat.banned_words"), "{out}");
    let (status, _, err) = run(&["admin", "settings", "set", "chat.banned_words", r#""not a list""#], &vars);
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("chat.banned_words"), "{err}");
    let (_, out, _) = run(&["admin", "settings", "get", "chat.banned_words"], &vars);
    assert!(out.contains("legit"), "{out}");

    let started = std::time::Instant::now();
    eventually(Duration::from_secs(2), "the node applies the new banned word", || async {
        (post("totally legit offer").await == 422).then_some(())
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn seed_and_mint_tokens_prepare_load_users() {
    let db = TestDb::new().await;
    let url = db.url.clone();
    let vars = [("VEZA__DATABASE__URL", url.as_str())];
    let (status, out, err) = run(&["admin", "seed", "--users", "25", "--rooms", "2", "--members", "10"], &vars);
    assert!(status.success(), "{err}");
    let seeded: Value = serde_json::from_str(out.trim()).expect("JSON summary");
    assert_eq!(seeded["users"], 25);
    assert_eq!(seeded["rooms"].as_array().map(Vec::len), Some(2));
    let (status, out, err) = run(&["admin", "mint-tokens", "--limit", "5"], &vars);
    assert!(status.success(), "{err}");
    let minted: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(minted.len(), 5);
    assert!(minted[0]["username"].as_str().is_some_and(|u| u.starts_with("load_user_")));

    let app = crate::support::TestApp::start(crate::support::app::test_config(&url, &[]), db).await;
    let me: Value =
        app.get_auth("/api/v1/auth/me", minted[0]["token"].as_str().expect("token")).await.json().await.expect("json");
    assert_eq!(me["username"], minted[0]["username"]);
    let room = seeded["rooms"][0].as_str().expect("room");
    let page: Value = app.get(&format!("/api/v1/rooms/{room}")).await.json().await.expect("json");
    assert_eq!(page["member_count"], 10);
}

#[tokio::test]
async fn log_file_dir_keeps_the_same_lines_in_a_daily_file() {
    let db = TestDb::new().await;
    let dir = std::env::temp_dir().join(format!("veza-logs-{}", db.name));
    let dir_s = dir.display().to_string();
    let node = ChildNode::spawn(&[("VEZA__DATABASE__URL", db.url.as_str()), ("VEZA__LOG__FILE_DIR", dir_s.as_str())]);
    let res = crate::support::app::client().get(node.url("/api/v1/nowhere")).send().await.expect("sent");
    assert_eq!(res.status(), 404);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let file = dir.join(format!("veza.{today}.log"));
    let text = eventually(Duration::from_secs(5), "the 404 in the log file", || async {
        let text = std::fs::read_to_string(&file).ok()?;
        text.contains("/api/v1/nowhere").then_some(text)
    })
    .await;
    let first: Value = serde_json::from_str(text.lines().next().unwrap_or_default()).expect("JSON lines in the file");
    assert!(first.get("message").is_some() && first.get("level").is_some(), "{first}");
    assert!(node.logs().iter().any(|l| l.contains("/api/v1/nowhere")), "still on stderr too");
    drop(node);
    let _ = std::fs::remove_dir_all(dir);

    // A directory that cannot be made: the node says so and does not start.
    let (status, _out, err) = run(&["serve"], &[("VEZA__LOG__FILE_DIR", "/proc/veza-no-logs-here")]);
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("log.file_dir"), "{err}");
}
