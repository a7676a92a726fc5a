//! Reads from a real streaming replica (a private primary and replica made by the harness with
//! initdb and pg_basebackup -R): anonymous reads use it, a user who just wrote never sees data
//! older than their write, a replica lagging too far or stopped is left for the primary and
//! `/health` says so, and without Redis an authenticated reader always reads the primary.

use crate::support::app::{TestApp, eventually, test_config};
use crate::support::db::TestDb;
use crate::support::replica::ReplicaPair;
use serde_json::{Value, json};
use std::time::Duration;

const SERIES_REPLICA: &str = r#"veza_db_reads_total{target="replica"}"#;
const SERIES_PRIMARY: &str = r#"veza_db_reads_total{target="primary"}"#;

async fn node(pair: &ReplicaPair, db: TestDb, redis: bool) -> TestApp {
    let (primary, replica, prefix) = (pair.primary_url(&db.name), pair.replica_url(&db.name), format!("{}:", db.name));
    let mut vars = vec![
        ("VEZA__DATABASE__READ_URL", replica.as_str()),
        ("VEZA__DATABASE__MAX_REPLICA_LAG_MS", "1500"),
        ("VEZA__DATABASE__READ_YOUR_WRITES_WAIT_MS", "100"),
        ("VEZA__HEALTH__CHECK_INTERVAL_MS", "200"),
    ];
    if redis {
        vars.extend([("VEZA__REDIS__URL", "redis://127.0.0.1:6379"), ("VEZA__REDIS__KEY_PREFIX", prefix.as_str())]);
    }
    TestApp::start(test_config(&primary, &vars), db).await
}

async fn replica_state(app: &TestApp, want: &str) {
    eventually(Duration::from_secs(30), &format!("checks.replica {want}"), || async {
        let health: Value = app.get("/health").await.json().await.ok()?;
        let degraded = if want == "ok" { "ok" } else { "degraded" };
        (health["checks"]["replica"] == want && health["status"] == degraded).then_some(())
    })
    .await;
}

/// The bodies of a room's history, read with `token` (None: anonymously).
async fn bodies(app: &TestApp, room: &str, token: Option<&str>) -> Vec<String> {
    page(app, room, token, "").await
}

/// A history page (`query`: e.g. `&before=2`).
async fn page(app: &TestApp, room: &str, token: Option<&str>, query: &str) -> Vec<String> {
    let path = format!("/api/v1/rooms/{room}/messages?limit=50{query}");
    let res = match token {
        Some(t) => app.get_auth(&path, t).await,
        None => app.get(&path).await,
    };
    assert_eq!(res.status(), 200, "history");
    let page: Value = res.json().await.expect("json");
    let items = page.get("items").unwrap_or(&page).as_array().cloned().unwrap_or_default();
    items.iter().filter_map(|m| m["body"].as_str().map(str::to_owned)).collect()
}

async fn post(app: &TestApp, room: &str, token: &str, body: &str) {
    let res = app.post_json(&format!("/api/v1/rooms/{room}/messages"), &json!({ "body": body }), Some(token)).await;
    assert_eq!(res.status(), 201, "post {body}");
}

async fn reads(app: &TestApp) -> (f64, f64) {
    (app.metric(SERIES_PRIMARY).await.unwrap_or(-1.0), app.metric(SERIES_REPLICA).await.unwrap_or(-1.0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_use_the_replica_and_a_writer_always_sees_their_own_write() {
    let pair = tokio::task::spawn_blocking(ReplicaPair::start).await.expect("replica pair");
    let db = TestDb::not_created();
    let shared = db.share();
    let app = node(&pair, db, true).await;
    replica_state(&app, "ok").await;

    let (_, ana, _) = app.user("ana").await;
    let res =
        app.post_json("/api/v1/rooms", &json!({ "name": "Replicated", "visibility": "public" }), Some(&ana)).await;
    assert_eq!(res.status(), 201);
    let room: Value = res.json().await.expect("json");
    let room = room["id"].as_str().expect("id").to_owned();
    post(&app, &room, &ana, "first").await;

    // Anonymous readers read the replica (once it has replayed the room).
    let (p0, r0) = reads(&app).await;
    eventually(Duration::from_secs(10), "the replica has the first message", || async {
        bodies(&app, &room, None).await.contains(&"first".to_owned()).then_some(())
    })
    .await;
    let (p1, r1) = reads(&app).await;
    assert!(r1 > r0 && p1 == p0, "anonymous history from the replica: primary {p0}->{p1}, replica {r0}->{r1}");

    // Without Redis, a node cannot know a user's last write made elsewhere: their reads go to
    // the primary; anonymous ones still to the replica.
    let plain = node(&pair, shared, false).await;
    replica_state(&plain, "ok").await;
    let (p0, r0) = reads(&plain).await;
    assert!(bodies(&plain, &room, Some(&ana)).await.contains(&"first".to_owned()));
    let (p1, r1) = reads(&plain).await;
    assert_eq!((p1 - p0, r1 - r0), (1.0, 0.0), "an authenticated read without Redis: the primary");
    drop(plain);

    // Replay stalls. The writer sees their new message at once (the primary, after a short
    // wait for the replica). An anonymous reader asking for the newest page gets it whole
    // (the replica lacks seq 2: the primary answers); an older page is the replica's.
    pair.replica_sql("SELECT pg_wal_replay_pause()");
    post(&app, &room, &ana, "second").await;
    let (p0, r0) = reads(&app).await;
    let mine = bodies(&app, &room, Some(&ana)).await;
    let newest = bodies(&app, &room, None).await;
    let (p1, r1) = reads(&app).await;
    let older = page(&app, &room, None, "&before=2").await;
    let (p2, r2) = reads(&app).await;
    assert!(mine.contains(&"second".to_owned()), "read-your-writes: {mine:?}");
    assert!(newest.contains(&"second".to_owned()), "a newest page is never short: {newest:?}");
    assert_eq!((p1 - p0, r1 - r0), (2.0, 0.0), "both went to the primary");
    assert_eq!(older, vec!["first".to_owned()]);
    assert_eq!((p2 - p1, r2 - r1), (0.0, 1.0), "a page the stalled replica holds whole: the replica");

    // Past database.max_replica_lag_ms the replica is left: everyone reads the primary.
    replica_state(&app, "down").await;
    assert!(bodies(&app, &room, None).await.contains(&"second".to_owned()));
    eventually(Duration::from_secs(10), "the lag gauge shows the stall", || async {
        (app.metric("veza_db_replica_lag_seconds").await? > 1.5).then_some(())
    })
    .await;

    // Replay resumes: the replica is read again and has everything.
    pair.replica_sql("SELECT pg_wal_replay_resume()");
    replica_state(&app, "ok").await;
    let (_, r0) = reads(&app).await;
    assert!(bodies(&app, &room, None).await.contains(&"second".to_owned()));
    let (_, r1) = reads(&app).await;
    assert_eq!(r1 - r0, 1.0);

    // The replica stops: reads still answer, from the primary; /health says degraded.
    tokio::task::block_in_place(|| pair.stop_replica());
    replica_state(&app, "down").await;
    assert!(bodies(&app, &room, None).await.contains(&"second".to_owned()));
    assert!(bodies(&app, &room, Some(&ana)).await.contains(&"first".to_owned()));
    drop(app);
    drop(pair);
}
