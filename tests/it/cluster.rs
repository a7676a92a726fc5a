//! Two nodes sharing Redis and RabbitMQ: presence counted once per user across nodes,
//! revocations, cache invalidations and settings changes reaching the other node at once,
//! the broker link cut in the middle of traffic, and a drain that leaves the broker.

use super::multinode::{AMQP, REDIS, two_nodes_on, two_nodes_with};
use crate::support::app::eventually;
use crate::support::process::{ChildNode, run};
use crate::support::proxy::TcpProxy;
use crate::support::ws::ChatClient;
use crate::support::{TestApp, TestDb};
use serde_json::{Value, json};
use std::time::Duration;

async fn public_room(node: &TestApp, token: &str, name: &str) -> String {
    let res = node.post_json("/api/v1/rooms", &json!({ "name": name, "visibility": "public" }), Some(token)).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned()
}

/// Frames up to the next `kind` (which is returned last).
async fn frames_until(c: &mut ChatClient, kind: &str) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(v) = c.next(Duration::from_secs(10)).await {
        let done = v["type"] == kind;
        out.push(v);
        if done {
            return out;
        }
    }
    panic!("no `{kind}` frame; got {out:?}");
}

fn presence_of(frames: &[Value], user: &str) -> Vec<bool> {
    frames
        .iter()
        .filter(|f| f["type"] == "presence" && f["user"]["id"] == user)
        .filter_map(|f| f["online"].as_bool())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_on_two_nodes_is_online_once_and_offline_when_both_sessions_leave() {
    let (n1, n2) = two_nodes_with(&[]).await;
    let (_, o, _) = n1.user("obs").await;
    let (u_id, u, _) = n1.user("dual").await;
    let (_, x, _) = n1.user("third").await;
    let room = public_room(&n1, &o, "Presence").await;
    let mut co = ChatClient::connect(n1.addr, &o).await;
    co.join(&room, None).await;

    let mut u1 = ChatClient::connect(n1.addr, &u).await;
    u1.join(&room, None).await;
    let mut u2 = ChatClient::connect(n2.addr, &u).await;
    let joined = u2.join(&room, None).await;
    assert_eq!(joined["members_online"], 2, "node 2 counts node 1's members: obs and dual");
    let mut cx = ChatClient::connect(n2.addr, &x).await;
    assert_eq!(cx.join(&room, None).await["members_online"], 3, "dual counts once though on two nodes");

    // dual leaves node 1 but is still on node 2: nobody hears "offline".
    drop(u1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    cx.send(json!({ "type": "send", "room": room, "body": "still there?", "client_id": "c1" })).await;
    let seen = frames_until(&mut co, "message").await;
    assert_eq!(presence_of(&seen, &u_id), vec![true], "online once, and no offline while on node 2: {seen:?}");

    drop(u2);
    let offline = co.expect("presence").await;
    assert_eq!((offline["user"]["id"].as_str(), offline["online"].as_bool()), (Some(u_id.as_str()), Some(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_users_count_until_their_entries_expire_then_go_offline() {
    let (n1, _n2) = two_nodes_with(&[]).await;
    let (_, o, _) = n1.user("watcher").await;
    let (g_id, _, _) = n1.user("ghost").await;
    let (_, x, _) = n1.user("late").await;
    let room = public_room(&n1, &o, "Ghosts").await;
    let mut co = ChatClient::connect(n1.addr, &o).await;
    co.join(&room, None).await;
    // A node that will never heartbeat again held "ghost" in the room.
    let redis = veza::infra::redis::Redis::new(REDIS, &format!("{}:", n1.db.name), Duration::from_secs(1))
        .expect("redis handle");
    let dead = veza::infra::redis_presence::RedisRoomPresence::new(redis, "dead".into(), Duration::from_millis(800));
    let ghost = veza_actors::protocol::UserRef { id: g_id.parse().expect("uuid"), username: "ghost".into() };
    let change = veza_actors::ports::RoomPresence::enter(&*dead, room.parse().expect("uuid"), ghost)
        .await
        .expect("redis answers");
    assert_eq!((change.changed, change.online), (true, 2));
    let mut cx = ChatClient::connect(n1.addr, &x).await;
    assert_eq!(cx.join(&room, None).await["members_online"], 3, "the other node's user counts");
    let p = co.expect("presence").await; // late's arrival
    assert_eq!(p["user"]["username"], "late");
    let p = co.expect("presence").await;
    assert_eq!((p["user"]["id"].as_str(), p["online"].as_bool()), (Some(g_id.as_str()), Some(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_node_is_refused_at_once_on_the_other() {
    // The PostgreSQL reread is a minute away: only the broadcast (or Redis) can do it.
    let (n1, n2) = two_nodes_with(&[("VEZA__AUTH__DENYLIST_REFRESH_MS", "60000")]).await;
    let (_, access, refresh) = n1.user("leaver").await;
    assert_eq!(n2.get_auth("/api/v1/users/me", &access).await.status(), 200);
    let res = n1.post_json("/api/v1/auth/logout", &json!({ "refresh_token": refresh }), Some(&access)).await;
    assert_eq!(res.status(), 204);
    eventually(Duration::from_secs(1), "node 2 refuses the revoked session", || {
        let (n2, access) = (&n2, access.clone());
        async move { (n2.get_auth("/api/v1/users/me", &access).await.status() == 401).then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_cached_on_one_node_is_invalidated_by_a_write_on_the_other() {
    let (n1, n2) = two_nodes_with(&[]).await;
    let (id, token, _) = n1.user("cached").await;
    let path = format!("/api/v1/users/{id}");
    let first: Value = n2.get(&path).await.json().await.expect("json");
    assert_eq!(first["display_name"], Value::Null);
    let res = n1
        .send_auth(reqwest::Method::PATCH, "/api/v1/users/me", &token, Some(&json!({ "display_name": "New Name" })))
        .await;
    assert_eq!(res.status(), 200);
    eventually(Duration::from_secs(1), "node 2 serves the new profile", || {
        let (n2, path) = (&n2, path.clone());
        async move {
            let v: Value = n2.get(&path).await.json().await.ok()?;
            (v["display_name"] == "New Name").then_some(())
        }
    })
    .await;
    let by_name: Value = n2.get("/api/v1/users/cached").await.json().await.expect("json");
    assert_eq!(by_name["display_name"], "New Name", "the username key is invalidated too");
}

async fn banned_on(node: &TestApp, token: &str, room: &str) -> bool {
    let path = format!("/api/v1/rooms/{room}/messages");
    node.post_json(&path, &json!({ "body": "forbidden fruit" }), Some(token)).await.status() == 422
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_change_reaches_every_node_over_the_broker_within_two_seconds() {
    // The version poll is a minute away: only node.broadcast can deliver it in time.
    let (n1, n2) = two_nodes_with(&[("VEZA__NODE__SETTINGS_POLL_MS", "60000")]).await;
    let (_, a, _) = n1.user("words").await;
    let room = public_room(&n1, &a, "Words").await;
    assert!(!banned_on(&n2, &a, &room).await);
    let exchange = format!("veza.test.{}", n1.db.name);
    let vars = [
        ("VEZA__DATABASE__URL", n1.db.url.as_str()),
        ("VEZA__AMQP__URL", AMQP),
        ("VEZA__AMQP__EXCHANGE", exchange.as_str()),
    ];
    let (status, _, err) = run(&["admin", "settings", "set", "chat.banned_words", r#"["forbidden"]"#], &vars);
    assert!(status.success(), "{err}");
    for node in [&n1, &n2] {
        eventually(Duration::from_secs(2), "the word is banned on this node", || {
            let (node, a, room) = (node, a.clone(), room.clone());
            async move { banned_on(node, &a, &room).await.then_some(()) }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_broker_a_settings_change_arrives_through_the_version_poll() {
    let (n1, n2) = two_nodes_with(&[]).await;
    let (_, a, _) = n1.user("polled").await;
    let room = public_room(&n1, &a, "Polled").await;
    // No amqp.url for the CLI: nobody is told; each node's 1 s poll finds the new version.
    let vars = [("VEZA__DATABASE__URL", n1.db.url.as_str())];
    let (status, _, err) = run(&["admin", "settings", "set", "chat.banned_words", r#"["forbidden"]"#], &vars);
    assert!(status.success(), "{err}");
    for node in [&n1, &n2] {
        eventually(Duration::from_secs(2), "the word is banned on this node", || {
            let (node, a, room) = (node, a.clone(), room.clone());
            async move { banned_on(node, &a, &room).await.then_some(()) }
        })
        .await;
    }
}

/// Two nodes; node `cut_node` (1 or 2) reaches RabbitMQ through a proxy the test can cut.
pub(crate) async fn nodes_with_cuttable_broker(cut_node: u8, extra: &[(&str, &str)]) -> (TestApp, TestApp, TcpProxy) {
    let db = TestDb::new().await;
    let broker = TcpProxy::start(([127, 0, 0, 1], 5672).into()).await;
    let via_proxy = format!("amqp://guest:guest@{}/%2f", broker.addr);
    let amqp = if cut_node == 1 { [via_proxy.as_str(), AMQP] } else { [AMQP, via_proxy.as_str()] };
    let mut vars = vec![("VEZA__CHAT__SEND_PER_MINUTE", "6000"), ("VEZA__CHAT__SEND_BURST", "100")];
    vars.extend_from_slice(extra);
    let (n1, n2) = two_nodes_on(db, amqp, &vars).await;
    (n1, n2, broker)
}

pub(crate) async fn amqp_up(node: &TestApp) {
    eventually(Duration::from_secs(5), "the node's broker link is up", || async {
        let h: Value = node.get("/health").await.json().await.ok()?;
        (h["checks"]["amqp"] == "ok").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_cut_mid_traffic_heals_with_every_message_once_and_in_order() {
    let (n1, n2, broker) = nodes_with_cuttable_broker(2, &[]).await;
    let (_, a, _) = n1.user("sender").await;
    let (_, b, _) = n1.user("receiver").await;
    let room = public_room(&n1, &a, "Cut").await;
    let mut ca = ChatClient::connect(n1.addr, &a).await;
    let mut cb = ChatClient::connect(n2.addr, &b).await;
    ca.join(&room, None).await;
    cb.join(&room, None).await;
    amqp_up(&n2).await;

    let mut acked = 0;
    for i in 1..=30 {
        if i == 10 {
            broker.cut();
        }
        if i == 20 {
            // Degraded, not unready: local delivery goes on.
            let h: Value = n2.get("/health").await.json().await.expect("json");
            assert_eq!(h["checks"]["amqp"], "down", "{h}");
            assert_eq!(h["status"], "degraded", "{h}");
            assert_eq!(n2.get("/ready").await.status(), 200);
            broker.restore().await;
        }
        ca.send(json!({ "type": "send", "room": room, "body": format!("m{i}"), "client_id": format!("m{i}") })).await;
        if ca.expect("ack").await["seq"].as_i64().is_some() {
            acked += 1;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(acked, 30);
    for seq in 1..=30 {
        let m = cb.expect("message").await;
        assert_eq!(m["seq"], seq, "node 2 gets every message once, in order, across the cut");
    }
    assert!(cb.next(Duration::from_millis(700)).await.is_none_or(|f| f["type"] != "message"), "no duplicate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_client_id_on_another_node_delivers_the_stored_message_once() {
    // Quiet rooms resync only after a minute here: the retry is what delivers.
    let slow = [("VEZA__CHAT__RESYNC_MS", "60000"), ("VEZA__REDIS__PRESENCE_TTL_MS", "120000")];
    let (n1, n2, broker) = nodes_with_cuttable_broker(1, &slow).await;
    let (_, a, _) = n1.user("retrier").await;
    let (_, b, _) = n1.user("reader").await;
    let room = public_room(&n1, &a, "Retry").await;
    let mut cb = ChatClient::connect(n2.addr, &b).await;
    cb.join(&room, None).await;
    amqp_up(&n1).await;
    // Node 1 commits and acks, but its publish never leaves (as if it died right after).
    broker.cut();
    let mut ca = ChatClient::connect(n1.addr, &a).await;
    ca.join(&room, None).await;
    ca.send(json!({ "type": "send", "room": room, "body": "once", "client_id": "r1" })).await;
    let first = ca.expect("ack").await;
    assert!(cb.next(Duration::from_millis(500)).await.is_none_or(|f| f["type"] != "message"));
    // The client did not see the ack (say) and retries on node 2 with the same client_id.
    let mut ca2 = ChatClient::connect(n2.addr, &a).await;
    ca2.join(&room, None).await;
    ca2.send(json!({ "type": "send", "room": room, "body": "once", "client_id": "r1" })).await;
    let again = ca2.expect("ack").await;
    assert_eq!((again["id"].clone(), again["seq"].clone()), (first["id"].clone(), first["seq"].clone()));
    let m = cb.expect("message").await;
    assert_eq!((m["seq"].as_i64(), m["body"].as_str()), (Some(1), Some("once")));
    assert!(cb.next(Duration::from_millis(500)).await.is_none_or(|f| f["type"] != "message"), "delivered once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_node_leaves_the_broker() {
    let (n1, n2) = two_nodes_with(&[]).await;
    let queue = format!("veza.node.n2-{}", n1.db.name);
    assert!(queue_exists(&queue).await, "node 2's queue exists while it runs");
    n2.handle.drain().await;
    eventually(Duration::from_secs(3), "node 2's queue is gone", || {
        let q = queue.clone();
        async move { (!queue_exists(&q).await).then_some(()) }
    })
    .await;
}

/// A passive declare answers NOT_FOUND when the queue does not exist (and RESOURCE_LOCKED
/// when it exists but is another connection's exclusive queue).
async fn queue_exists(name: &str) -> bool {
    let Ok(conn) = lapin::Connection::connect(AMQP, lapin::ConnectionProperties::default()).await else {
        panic!("RabbitMQ reachable");
    };
    let Ok(ch) = conn.create_channel().await else { panic!("channel") };
    let passive = lapin::options::QueueDeclareOptions { passive: true, ..Default::default() };
    let found = match ch.queue_declare(name.into(), passive, lapin::types::FieldTable::default()).await {
        Ok(_) => true,
        Err(e) => !e.to_string().contains("NOT_FOUND"),
    };
    let _ = conn.close(200, "done".into()).await;
    found
}

/// Registers on a child node: (id, access token).
async fn register_on(http: &reqwest::Client, node: &ChildNode, name: &str) -> (String, String) {
    let body =
        json!({ "email": format!("{name}@example.com"), "username": name, "password": crate::support::app::PASSWORD });
    let res = http.post(node.url("/api/v1/auth/register")).json(&body).send().await.expect("register");
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.expect("json");
    (v["user"]["id"].as_str().expect("id").to_owned(), v["access_token"].as_str().expect("token").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_node_processes_share_messages_user_events_presence_and_settings() {
    let db = TestDb::new().await;
    let exchange = format!("veza.test.{}", db.name);
    let prefix = format!("{}:", db.name);
    let spawn = |node: &str| {
        let id = format!("{node}-{}", db.name);
        let vars = [
            ("VEZA__DATABASE__URL", db.url.as_str()),
            ("VEZA__AMQP__URL", AMQP),
            ("VEZA__AMQP__EXCHANGE", exchange.as_str()),
            ("VEZA__REDIS__URL", REDIS),
            ("VEZA__REDIS__KEY_PREFIX", prefix.as_str()),
            ("VEZA__NODE__ID", id.as_str()),
            // Only node.broadcast can bring a settings change in time.
            ("VEZA__NODE__SETTINGS_POLL_MS", "60000"),
        ];
        tokio::task::block_in_place(|| ChildNode::spawn(&vars))
    };
    let (n1, n2) = (spawn("p1"), spawn("p2"));
    let http = crate::support::app::client();
    let (_, a) = register_on(&http, &n1, "proc_a").await;
    let (b_id, b) = register_on(&http, &n2, "proc_b").await;
    let res = http
        .post(n1.url("/api/v1/rooms"))
        .bearer_auth(&a)
        .json(&json!({ "name": "Processes", "visibility": "public" }))
        .send()
        .await
        .expect("room");
    let room = res.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let mut ca = ChatClient::connect(n1.addr, &a).await;
    ca.join(&room, None).await;
    let mut cb = ChatClient::connect(n2.addr, &b).await;
    assert_eq!(cb.join(&room, None).await["members_online"], 2, "presence counted across processes");
    let p = ca.expect("presence").await;
    assert_eq!((p["user"]["id"].as_str(), p["online"].as_bool()), (Some(b_id.as_str()), Some(true)));

    ca.send(json!({ "type": "send", "room": room, "body": "across processes", "client_id": "p1" })).await;
    let m = cb.expect("message").await;
    assert_eq!((m["seq"].as_i64(), m["body"].as_str()), (Some(1), Some("across processes")));

    let res = http.post(n1.url(&format!("/api/v1/users/{b_id}/friend-request"))).bearer_auth(&a).send().await;
    assert_eq!(res.expect("friend request").status(), 201);
    assert_eq!(cb.expect("event").await["kind"], "friend.request");

    let vars = [
        ("VEZA__DATABASE__URL", db.url.as_str()),
        ("VEZA__AMQP__URL", AMQP),
        ("VEZA__AMQP__EXCHANGE", exchange.as_str()),
    ];
    let (status, _, err) = run(&["admin", "settings", "set", "chat.banned_words", r#"["forbidden"]"#], &vars);
    assert!(status.success(), "{err}");
    let path = n2.url(&format!("/api/v1/rooms/{room}/messages"));
    eventually(Duration::from_secs(2), "node 2 refuses the banned word", || {
        let req = http.post(&path).bearer_auth(&b).json(&json!({ "body": "forbidden fruit" }));
        async move { (req.send().await.ok()?.status() == 422).then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_cached_on_one_node_shows_a_status_change_made_on_the_other() {
    let (n1, n2) = two_nodes_with(&[]).await;
    let (_, seller, _) = n1.user("cache_seller").await;
    let id = crate::market::active_listing(&n1, &seller, "Juno-106", 90_000).await;
    let path = format!("/api/v1/listings/{id}");
    let before: Value = n2.get(&path).await.json().await.expect("json");
    assert_eq!(before["status"], "active", "node 2 has read (and cached) it");
    let res = n1.post_json(&format!("{path}/archive"), &json!({}), Some(&seller)).await;
    assert_eq!(res.status(), 200);
    eventually(Duration::from_secs(1), "node 2 serves the archived listing", || {
        let (n2, path) = (&n2, path.clone());
        async move {
            let v: Value = n2.get(&path).await.json().await.ok()?;
            (v["status"] == "archived").then_some(())
        }
    })
    .await;
    // And it stays so: the second, delayed drop leaves no stale copy behind.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let v: Value = n2.get(&path).await.json().await.expect("json");
    assert_eq!(v["status"], "archived");
}
