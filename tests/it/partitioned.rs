//! The chat on a `messages` table partitioned by month (deploy/postgres/partition-messages.sql,
//! the operator's script): the unique indexes are gone, so what keeps seq gapless and a retried
//! send single is the writer's room lock and lookup alone. Messages written before the script
//! are copied (ids continue after them); then two nodes, each with its own writer, take the
//! same sends for one room at once (every send made on both), and each is stored once, in one
//! gapless seq order; resume, history and the room's delete trigger work on the new table.

use crate::support::app::{TestApp, test_config};
use crate::support::db::TestDb;
use crate::support::ws::ChatClient;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

#[derive(QueryableByName)]
struct Kind {
    #[diesel(sql_type = Text)]
    kind: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn partition(db: &TestDb) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/postgres/partition-messages.sql");
    let out = Command::new("psql").args(["-v", "ON_ERROR_STOP=1", "-qf", script, &db.url]).output().expect("psql");
    assert!(out.status.success(), "the script failed: {}", String::from_utf8_lossy(&out.stderr));
}

async fn node(db: &TestDb) -> TestApp {
    let vars = [
        ("VEZA__RATE_LIMIT__ENABLED", "false"),
        ("VEZA__CHAT__SEND_PER_MINUTE", "100000"),
        ("VEZA__CHAT__SEND_BURST", "1000"),
    ];
    TestApp::start(test_config(&db.url, &vars), db.share()).await
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    let n: Count = diesel::sql_query(sql).get_result(&mut db.conn().await).await.expect(sql);
    n.n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_keep_order_and_idempotency_on_a_partitioned_table() {
    let db = TestDb::new().await;
    let first = node(&db).await;
    let (_, ana, _) = first.user("ana").await;
    let (_, bob, _) = first.user("bob").await;
    let res =
        first.post_json("/api/v1/rooms", &json!({ "name": "Partitioned", "visibility": "public" }), Some(&ana)).await;
    let room: Value = res.json().await.expect("json");
    let room = room["id"].as_str().expect("id").to_owned();
    for i in 0..10 {
        let body = json!({ "body": format!("before {i}"), "client_id": format!("before-{i}") });
        let res = first.post_json(&format!("/api/v1/rooms/{room}/messages"), &body, Some(&ana)).await;
        assert_eq!(res.status(), 201);
    }
    let last_id = count(&db, "SELECT max(id) AS n FROM messages").await;
    drop(first);

    tokio::task::block_in_place(|| partition(&db));
    let kind: Kind = diesel::sql_query("SELECT relkind::text AS kind FROM pg_class WHERE relname = 'messages'")
        .get_result(&mut db.conn().await)
        .await
        .expect("messages");
    assert_eq!(kind.kind, "p", "messages is a partitioned table");
    assert_eq!(count(&db, "SELECT count(*) AS n FROM messages").await, 10, "the rows were copied");

    let (a, b) = (node(&db).await, node(&db).await);
    // Each user on both nodes; every send made on both connections, as a client that retries
    // on another node before its ack.
    let mut conns = Vec::new();
    for (token, app) in [(&ana, &a), (&ana, &b), (&bob, &a), (&bob, &b)] {
        let mut c = ChatClient::connect(app.addr, token).await;
        c.join(&room, None).await;
        conns.push(c);
    }
    for i in 0..30 {
        for (who, pair) in [("ana", 0), ("bob", 2)] {
            let frame = json!({ "type": "send", "room": room, "body": format!("{who} {i}"), "client_id": format!("{who}-{i}") });
            conns[pair].send(frame.clone()).await;
            conns[pair + 1].send(frame).await;
        }
    }
    let mut seq_of: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for c in conns.iter_mut() {
        for _ in 0..30 {
            let ack = c.expect("ack").await;
            let id = ack["client_id"].as_str().unwrap_or_default().to_owned();
            seq_of.entry(id).or_default().insert(ack["seq"].as_i64().unwrap_or(-1));
        }
    }
    assert_eq!(seq_of.len(), 60, "every send acked");
    assert!(seq_of.values().all(|s| s.len() == 1), "a send made on two nodes has one seq: {seq_of:?}");
    let seqs: BTreeSet<i64> = seq_of.values().flatten().copied().collect();
    assert_eq!(seqs, (11..=70).collect(), "seqs continue after the copied ones, no gap, none twice");
    assert_eq!(count(&db, "SELECT count(*) AS n FROM messages").await, 70);
    assert!(count(&db, "SELECT min(id) AS n FROM messages WHERE seq > 10").await > last_id, "ids continue");
    assert_eq!(count(&db, "SELECT count(*) AS n FROM veza_messages_duplicates()").await, 0);

    // Resume from seq 60 and a history page read the partitioned table.
    let mut late = ChatClient::connect(a.addr, &bob).await;
    late.join(&room, Some(60)).await;
    let mut resumed = Vec::new();
    while resumed.len() < 10 {
        resumed.push(late.expect("message").await["seq"].as_i64().unwrap_or(-1));
    }
    assert_eq!(resumed, (61..=70).collect::<Vec<_>>());
    let page: Value =
        b.get_auth(&format!("/api/v1/rooms/{room}/messages?limit=5"), &bob).await.json().await.expect("json");
    let items = page.get("items").unwrap_or(&page).as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 5);
    drop((conns, late, a, b));

    // The rooms' delete trigger reaches the partitions.
    let gone = format!("DELETE FROM rooms WHERE id = '{room}'");
    diesel::sql_query(gone).execute(&mut db.conn().await).await.expect("delete the room");
    assert_eq!(count(&db, "SELECT count(*) AS n FROM messages").await, 0);
}
