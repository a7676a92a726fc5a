//! The chat on a `messages` table partitioned by month (deploy/postgres/partition-messages.sql,
//! the operator's script): the unique indexes are gone, so what keeps seq gapless and a retried
//! send single is the writer's room lock and lookup alone. Concurrent senders on two
//! connections, retries of the same `client_id` over both doors, then: every send stored once,
//! seqs 1..n, resume and history pages as before, and the script's duplicate check empty.

use crate::support::app::{TestApp, test_config};
use crate::support::db::TestDb;
use crate::support::ws::ChatClient;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use std::collections::BTreeSet;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_keeps_its_order_and_idempotency_on_a_partitioned_table() {
    let db = TestDb::new().await;
    tokio::task::block_in_place(|| partition(&db));
    let mut conn = db.conn().await;
    let kind: Kind = diesel::sql_query("SELECT relkind::text AS kind FROM pg_class WHERE relname = 'messages'")
        .get_result(&mut conn)
        .await
        .expect("messages");
    assert_eq!(kind.kind, "p", "messages is a partitioned table");
    let vars = [
        ("VEZA__RATE_LIMIT__ENABLED", "false"),
        ("VEZA__CHAT__SEND_PER_MINUTE", "100000"),
        ("VEZA__CHAT__SEND_BURST", "1000"),
    ];
    let app = TestApp::start(test_config(&db.url, &vars), db.share()).await;

    let (_, ana, _) = app.user("ana").await;
    let (_, bob, _) = app.user("bob").await;
    let res =
        app.post_json("/api/v1/rooms", &json!({ "name": "Partitioned", "visibility": "public" }), Some(&ana)).await;
    let room: Value = res.json().await.expect("json");
    let room = room["id"].as_str().expect("id").to_owned();
    let (mut a, mut b) = (ChatClient::connect(app.addr, &ana).await, ChatClient::connect(app.addr, &bob).await);
    a.join(&room, None).await;
    b.join(&room, None).await;

    // 40 sends each, every one of them sent twice (a client retrying before its ack).
    for i in 0..40 {
        for (who, c) in [("a", &mut a), ("b", &mut b)] {
            let frame =
                json!({ "type": "send", "room": room, "body": format!("{who}{i}"), "client_id": format!("{who}-{i}") });
            c.send(frame.clone()).await;
            c.send(frame).await;
        }
    }
    let mut acked = BTreeSet::new();
    for c in [&mut a, &mut b] {
        for _ in 0..80 {
            let ack = c.expect("ack").await;
            acked.insert((ack["client_id"].as_str().unwrap_or_default().to_owned(), ack["seq"].as_i64().unwrap_or(-1)));
        }
    }
    let seqs: BTreeSet<i64> = acked.iter().map(|(_, s)| *s).collect();
    assert_eq!(acked.len(), 80, "each retry acked with its original's seq");
    assert_eq!(seqs, (1..=80).collect(), "seqs 1..80, no gap, none twice");

    // A REST retry of a WebSocket send: the original again.
    let res = app
        .post_json(&format!("/api/v1/rooms/{room}/messages"), &json!({ "body": "a7", "client_id": "a-7" }), Some(&ana))
        .await;
    assert!(res.status().is_success());
    let again: Value = res.json().await.expect("json");
    assert_eq!(again["seq"], acked.iter().find(|(r, _)| r == "a-7").map(|(_, s)| *s).unwrap_or(-1));

    // Resume from seq 70 and a history page read the partitioned table.
    let mut late = ChatClient::connect(app.addr, &bob).await;
    let joined = late.join(&room, Some(70)).await;
    let mut resumed = Vec::new();
    while resumed.len() < 10 {
        let m = late.expect("message").await;
        resumed.push(m["seq"].as_i64().unwrap_or(-1));
    }
    assert_eq!(resumed, (71..=80).collect::<Vec<_>>(), "resume after {joined}");
    let page: Value =
        app.get_auth(&format!("/api/v1/rooms/{room}/messages?limit=5"), &bob).await.json().await.expect("json");
    let items = page.get("items").unwrap_or(&page).as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 5);

    let stored: Count = diesel::sql_query("SELECT count(*) AS n FROM messages").get_result(&mut conn).await.expect("n");
    assert_eq!(stored.n, 80);
    let dups: Count = diesel::sql_query("SELECT count(*) AS n FROM veza_messages_duplicates()")
        .get_result(&mut conn)
        .await
        .expect("dups");
    assert_eq!(dups.n, 0);
    drop(app);
}
