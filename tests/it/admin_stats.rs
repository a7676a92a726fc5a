//! `/admin/stats`: the counts against a fixture whose numbers are known (active users by
//! window, messages per hour, the marketplace by status, searches), hourly counts that stay
//! exact as ranges become final, and nodes listed up, unreachable or stopped.

use crate::market::{active_listing, admin, count, create_listing, listing_body, offer};
use crate::support::app::{eventually, test_config};
use crate::support::ws::ChatClient;
use crate::support::{TestApp, TestDb};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use std::time::Duration;

/// A quick rollup, and ids final at once, so a test sees ranges move into the hourly counts.
const QUICK: [(&str, &str); 2] = [("VEZA__STATS__ROLLUP_MS", "100"), ("VEZA__STATS__COUNT_LAG_MS", "0")];

async fn stats(app: &TestApp, token: &str) -> Value {
    let res = app.get_auth("/api/v1/admin/stats", token).await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json")
}

async fn sql(app: &TestApp, statement: &str) {
    diesel::sql_query(statement).execute(&mut app.db.conn().await).await.expect(statement);
}

/// Waits until the stats answer `f` with `Some`.
async fn stats_until<T>(app: &TestApp, token: &str, what: &str, f: impl Fn(&Value) -> Option<T>) -> T {
    eventually(Duration::from_secs(10), what, || async { f(&stats(app, token).await) }).await
}

fn hours_total(s: &Value) -> i64 {
    s["messages_per_hour"].as_array().map_or(0, |a| a.iter().filter_map(|h| h["count"].as_i64()).sum())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stats_count_a_known_fixture() {
    let app = TestApp::spawn_with(&QUICK).await;
    let (_, root) = admin(&app, "root").await;
    let (a_id, a, _) = app.user("stat_a").await;
    let (_, b, _) = app.user("stat_b").await;
    let mut others = Vec::new();
    for name in ["stat_c", "stat_d", "stat_e"] {
        others.push(app.user(name).await.0);
    }
    // Active now: root (these requests), a (a request), b (an open WebSocket). Earlier
    // activity of c (3 days ago), d (20 days ago) and e (40 days ago: outside every window).
    assert_eq!(app.get_auth("/api/v1/users/me", &a).await.status().as_u16(), 200);
    let _socket = ChatClient::connect(app.addr, &b).await;
    for (user, days) in others.iter().zip([3, 20, 40]) {
        sql(
            &app,
            &format!(
                "INSERT INTO user_activity (day, user_id, last_at) VALUES \
             ((now() - interval '{days} days')::date, '{user}', now() - interval '{days} days')"
            ),
        )
        .await;
    }
    sql(&app, &format!("UPDATE users SET status = 'suspended' WHERE id = '{}'", others[1])).await;

    // Messages: 3 now, 2 two hours ago, 4 thirty hours ago, 5 fifty hours ago (outside 48 h).
    let room = app.post_json("/api/v1/rooms", &json!({ "name": "Stats", "visibility": "public" }), Some(&a)).await;
    let room = room.json::<Value>().await.expect("room")["id"].as_str().expect("id").to_owned();
    let mut seq = 0;
    for (n, hours) in [(3, 0), (2, 2), (4, 30), (5, 50)] {
        sql(
            &app,
            &format!(
                "INSERT INTO messages (room_id, seq, author_id, client_id, body, created_at) \
             SELECT '{room}', {seq} + g, '{a_id}', 'f' || ({seq} + g), 'x', now() - interval '{hours} hours' \
             FROM generate_series(1, {n}) g"
            ),
        )
        .await;
        seq += n;
    }
    sql(&app, &format!("UPDATE rooms SET last_seq = {seq} WHERE id = '{room}'")).await;

    // The marketplace: one active listing with a pending offer, one draft.
    let listing = active_listing(&app, &a, "Strat", 50_000).await;
    let cat = crate::market::category(&app, "electric-guitars").await;
    create_listing(&app, &a, &listing_body("Tele", &cat, 40_000, "EUR", false)).await;
    assert_eq!(offer(&app, &root, &listing, 45_000).await.0, 201);
    // Searches: 5 in the last day (2 found nothing), 7 two days ago.
    sql(
        &app,
        "INSERT INTO search_queries (query, searcher, minute, searches, zero_results, last_at) VALUES \
        ('amp', 's1', date_trunc('minute', now()), 3, false, now()), \
        ('zzz', 's1', date_trunc('minute', now()), 2, true, now()), \
        ('old', 's2', date_trunc('minute', now() - interval '2 days'), 7, false, now() - interval '2 days')",
    )
    .await;

    let s = stats_until(&app, &root, "the fixture counted", |s| {
        (s["messages_24h"] == 5 && s["active_users"]["d1"] == 3 && s["offers_by_status"]["pending"] == 1)
            .then(|| s.clone())
    })
    .await;
    assert_eq!(s["users"], 6, "{s}");
    assert_eq!(s["users_by_status"], json!({ "active": 5, "suspended": 1 }));
    assert_eq!(s["active_users_24h"], 3);
    assert_eq!(s["active_users"], json!({ "d1": 3, "d7": 4, "d30": 5 }));
    let hours = s["messages_per_hour"].as_array().expect("hours");
    assert_eq!(hours.len(), 48, "48 hours, the current one last");
    assert_eq!(hours_total(&s), 9, "the 50-hour-old messages are outside: {s}");
    assert_eq!(hours[47]["count"], 3);
    assert_eq!(s["listings_by_status"], json!({ "active": 1, "draft": 1 }));
    assert_eq!(s["offer_conversion"], json!({ "window_days": 30, "created": 1, "completed": 0, "rate": 0.0 }));
    assert_eq!((&s["tracks"], &s["plays"]), (&json!(0), &json!({ "total": 0, "last_24h": 0 })));
    assert_eq!(s["searches"], json!({ "last_24h": 5, "zero_results_24h": 2 }));
    let nodes = s["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 1, "{s}");
    let node = &nodes[0];
    assert_eq!((&node["node"], &node["status"]), (&json!(app.handle.state().config.node_id()), &json!("up")));
    assert_eq!(node["version"], env!("CARGO_PKG_VERSION"));
    assert!(node["uptime_secs"].as_i64().is_some_and(|u| u >= 0), "{node}");
    stats_until(&app, &root, "b's socket on the heartbeat", |s| {
        (s["nodes"][0]["connections"] == 1 && s["nodes"][0]["online_users"] == 1).then_some(())
    })
    .await;

    // Ranges become final (count_lag 0) and the counts stay exact across rollups: a message
    // sent now is counted once, not once per rollup.
    sql(&app, &format!(
        "INSERT INTO messages (room_id, seq, author_id, client_id, body) VALUES ('{room}', {}, '{a_id}', 'late', 'y')",
        seq + 1
    ))
    .await;
    stats_until(&app, &root, "the new message", |s| (s["messages_24h"] == 6).then_some(())).await;
    eventually(Duration::from_secs(10), "the messages counted for good", || async {
        let counted = count(&app, "SELECT counted_to AS n FROM event_count_state WHERE kind = 'messages'").await;
        (counted == count(&app, "SELECT max(id) AS n FROM messages").await).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let s = stats(&app, &root).await;
    assert_eq!((&s["messages_24h"], hours_total(&s)), (&json!(6), 10), "no range counted twice: {s}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM user_activity WHERE day < now()::date - 31").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_that_stop_beating_are_unreachable_and_drained_ones_stopped() {
    let db = TestDb::new().await;
    let url = db.url.clone();
    let (n2_db, n3_db) = (db.share(), db.share());
    let n1 = TestApp::start(test_config(&url, &[]), db).await;
    let n2 = TestApp::start(test_config(&url, &[]), n2_db).await;
    let n3 = TestApp::start(test_config(&url, &[]), n3_db).await;
    let (_, root) = admin(&n1, "root").await;
    let id = |app: &TestApp| app.handle.state().config.node_id().to_owned();
    let (id1, id2, id3) = (id(&n1), id(&n2), id(&n3));
    let status_of = |s: &Value, node: &str| {
        s["nodes"].as_array().and_then(|a| a.iter().find(|n| n["node"] == node)).map(|n| n["status"].clone())
    };
    stats_until(&n1, &root, "three nodes up", |s| {
        [&id1, &id2, &id3].iter().all(|n| status_of(s, n) == Some(json!("up"))).then_some(())
    })
    .await;
    n3.handle.drain().await;
    drop(n2);
    let s = stats_until(&n1, &root, "n2 unreachable, n3 stopped", |s| {
        (status_of(s, &id2) == Some(json!("unreachable")) && status_of(s, &id3) == Some(json!("stopped")))
            .then(|| s.clone())
    })
    .await;
    assert_eq!(status_of(&s, &id1), Some(json!("up")), "{s}");
    let stopped = s["nodes"].as_array().and_then(|a| a.iter().find(|n| n["node"] == id3.as_str())).expect("n3");
    assert_eq!((&stopped["connections"], &stopped["uptime_secs"]), (&json!(0), &Value::Null));
}
