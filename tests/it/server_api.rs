//! The server API against a real node: API keys and scopes, publishing (ordering with users'
//! sends, idempotent retries), pushes, disconnects, memberships, history, `WatchRoom` resume,
//! bad input, both doors (gRPC and `/api/v1/server/…`), and two nodes.

use crate::multinode::two_nodes_with;
use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::ws::ChatClient;
use serde_json::{Value, json};
use std::time::Duration;
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic_types::StatusExt;
use veza::server_api::grpc::pb::{self, server_api_client::ServerApiClient};
use veza::server_api::model::Scope;

const GRPC: &[(&str, &str)] = &[("VEZA__GRPC__ENABLED", "true")];

async fn spawn() -> TestApp {
    TestApp::spawn_with(GRPC).await
}

/// A key with `scopes`, made as the CLI makes it.
async fn key(app: &TestApp, name: &str, scopes: &[Scope]) -> String {
    let mut conn = app.db.conn().await;
    veza::server_api::admin::create(&mut conn, name, scopes, None).await.expect("key created").key
}

async fn client(app: &TestApp) -> ServerApiClient<Channel> {
    let addr = app.handle.grpc_addr().expect("gRPC enabled");
    let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.expect("gRPC connects");
    ServerApiClient::new(channel)
}

fn authed<T>(key: &str, msg: T) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    let v: MetadataValue<_> = format!("ApiKey {key}").parse().unwrap();
    req.metadata_mut().insert("authorization", v);
    req
}

fn reason(s: &tonic::Status) -> String {
    s.get_details_error_info().map(|i| i.reason).unwrap_or_default()
}

/// The audited actions like `pattern`, in chain order.
async fn audit_actions(conn: &mut diesel_async::AsyncPgConnection, pattern: &str) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct A {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
    }
    let rows: Vec<A> = diesel::sql_query("SELECT action FROM audit_log WHERE action LIKE $1 ORDER BY chain_seq")
        .bind::<diesel::sql_types::Text, _>(pattern)
        .load(conn)
        .await
        .unwrap();
    rows.into_iter().map(|a| a.action).collect()
}

async fn room(app: &TestApp, token: &str, name: &str, visibility: &str) -> String {
    let res = app.post_json("/api/v1/rooms", &json!({ "name": name, "visibility": visibility }), Some(token)).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

fn publish(room: &str, body: &str, client_id: &str) -> pb::PublishRequest {
    pb::PublishRequest { room: room.into(), body: body.as_bytes().to_vec(), client_id: client_id.into(), sender: None }
}

async fn server_post(app: &TestApp, key: Option<&str>, path: &str, body: Value) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(k) = key {
        req = req.header("authorization", format!("ApiKey {k}"));
    }
    req.send().await.unwrap()
}

async fn server_get(app: &TestApp, key: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header("authorization", format!("ApiKey {key}")).send().await.unwrap()
}

#[tokio::test]
async fn keys_and_scopes_guard_every_door() {
    let app = spawn().await;
    let (_, a, _) = app.user("owner1").await;
    let r = room(&app, &a, "Guarded", "public").await;
    let reader = key(&app, "reader_bot", &[Scope::History]).await;
    let mut c = client(&app).await;

    // No key, a malformed one, an unknown one: UNAUTHENTICATED / 401.
    let s = c.publish(tonic::Request::new(publish(&r, "hi", "c1"))).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::Unauthenticated, "unauthenticated"));
    let s = c.publish(authed("vzk_nope", publish(&r, "hi", "c1"))).await.unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated);
    let forged = format!("{}x", &reader[..reader.len() - 1]);
    let s = c.publish(authed(&forged, publish(&r, "hi", "c1"))).await.unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated, "a key with a wrong secret");
    let res =
        server_post(&app, None, "/api/v1/server/publish", json!({ "room": r, "body": "hi", "client_id": "c1" })).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    // A key without the scope: PERMISSION_DENIED / 403 scope_required.
    let s = c.publish(authed(&reader, publish(&r, "hi", "c1"))).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::PermissionDenied, "scope_required"));
    let res = server_post(
        &app,
        Some(&reader),
        "/api/v1/server/publish",
        json!({ "room": r, "body": "hi", "client_id": "c1" }),
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "scope_required");
    // …while what it holds works.
    let h = c.history(authed(&reader, pb::HistoryRequest { room: r.clone(), ..Default::default() })).await.unwrap();
    assert!(h.get_ref().messages.is_empty());

    // Revoked: refused on this node within server_api.key_cache_ms (1 s here).
    let mut conn = app.db.conn().await;
    veza::server_api::admin::revoke(&mut conn, "reader_bot").await.expect("revoked");
    eventually(Duration::from_secs(2), "the revoked key refused", || {
        let mut c = c.clone();
        let (reader, r) = (reader.clone(), r.clone());
        async move {
            let s = c.history(authed(&reader, pb::HistoryRequest { room: r, ..Default::default() })).await.err()?;
            (s.code() == Code::Unauthenticated).then_some(())
        }
    })
    .await;

    // Control-plane changes of keys are audited.
    assert_eq!(audit_actions(&mut conn, "api_key.%").await, ["api_key.created", "api_key.revoked"]);
}

#[tokio::test]
async fn a_backend_publish_and_user_sends_keep_one_seq_order_and_retries_answer_the_original() {
    let app = spawn().await;
    let (_, a, _) = app.user("mixer").await;
    let r = room(&app, &a, "Mixed", "public").await;
    let k = key(&app, "mix_bot", &[Scope::Publish]).await;
    let mut c = client(&app).await;
    let mut ws = ChatClient::connect(app.addr, &a).await;
    ws.join(&r, None).await;

    // Interleaved: user sends and backend publishes, both doors of the backend.
    let mut acked = Vec::new();
    for i in 0..10 {
        ws.send(json!({ "type": "send", "room": r, "body": format!("u{i}"), "client_id": format!("u{i}") })).await;
        let p = c.publish(authed(&k, publish(&r, &format!("g{i}"), &format!("b{i}")))).await.unwrap().into_inner();
        acked.push(p.seq);
        let res = server_post(
            &app,
            Some(&k),
            "/api/v1/server/publish",
            json!({ "room": r, "body": format!("h{i}"), "client_id": format!("h{i}") }),
        )
        .await;
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["duplicate"], false);
        acked.push(v["seq"].as_u64().unwrap());
    }
    // The user sees every message once, seqs 1..=30 in order, the backend's authored by its service user.
    let mut seqs = Vec::new();
    while seqs.len() < 30 {
        let m = ws.expect("message").await;
        if m["author"]["username"] == "mix_bot" {
            assert!(m["body"].as_str().unwrap().starts_with(['g', 'h']));
        }
        seqs.push(m["seq"].as_u64().unwrap());
    }
    assert_eq!(seqs, (1..=30).collect::<Vec<u64>>());
    let mut sorted = acked.clone();
    sorted.sort_unstable();
    assert_eq!(acked, sorted, "each publish answered after its commit, in order");

    // A retry with the same client_id answers the original, over both doors; nothing new is stored.
    let first = c.publish(authed(&k, publish(&r, "once", "retry-me"))).await.unwrap().into_inner();
    let again = c.publish(authed(&k, publish(&r, "once", "retry-me"))).await.unwrap().into_inner();
    assert_eq!((again.id, again.seq, again.duplicate), (first.id, first.seq, true));
    let h = c.history(authed(&k, pb::HistoryRequest { room: r.clone(), ..Default::default() })).await;
    assert_eq!(h.unwrap_err().code(), Code::PermissionDenied, "history needs its own scope");
    let other = key(&app, "other_bot", &[Scope::Publish, Scope::History]).await;
    let theirs = c.publish(authed(&other, publish(&r, "mine", "retry-me"))).await.unwrap().into_inner();
    assert!(!theirs.duplicate && theirs.seq > first.seq, "client ids are namespaced per key");
    let page = c
        .history(authed(&other, pb::HistoryRequest { room: r.clone(), since_seq: Some(30), limit: 10, reverse: false }))
        .await
        .unwrap()
        .into_inner();
    let bodies: Vec<&str> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["once", "mine"]);
    assert_eq!(page.last_seq, 32);
}

#[tokio::test]
async fn publishing_as_a_member_needs_the_scope_and_a_member_who_may_post() {
    let app = spawn().await;
    let (owner_id, a, _) = app.user("asowner").await;
    let (b_id, b, _) = app.user("asmember").await;
    let (c_id, _, _) = app.user("outsider").await;
    let r = room(&app, &a, "AsRoom", "private").await;
    assert_eq!(
        app.post_json(&format!("/api/v1/rooms/{r}/members"), &json!({ "user_id": b_id }), Some(&a)).await.status(),
        201
    );
    let plain = key(&app, "plain_bot", &[Scope::Publish]).await;
    let as_key = key(&app, "as_bot", &[Scope::Publish, Scope::PublishAs]).await;
    let mut c = client(&app).await;
    let with_sender = |s: &str, cid: &str| pb::PublishRequest { sender: Some(s.into()), ..publish(&r, "as them", cid) };

    let s = c.publish(authed(&plain, with_sender(&b_id, "p1"))).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::PermissionDenied, "scope_required"));
    let s = c.publish(authed(&as_key, with_sender(&c_id, "p2"))).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::PermissionDenied, "not_a_member"));
    let mut ws = ChatClient::connect(app.addr, &b).await;
    ws.join(&r, None).await;
    let ok = c.publish(authed(&as_key, with_sender(&b_id, "p3"))).await.unwrap().into_inner();
    let m = ws.expect("message").await;
    assert_eq!((m["seq"].as_u64(), m["author"]["username"].as_str()), (Some(ok.seq), Some("asmember")));
    // Muted by the owner: refused.
    let res =
        app.post_json(&format!("/api/v1/rooms/{r}/mute"), &json!({ "user_id": b_id, "minutes": 5 }), Some(&a)).await;
    assert_eq!(res.status(), 204);
    let s = c.publish(authed(&as_key, with_sender(&b_id, "p4"))).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::PermissionDenied, "muted"));
    let _ = owner_id;
    // The key's own service user never writes into a direct conversation.
    let dm = app.post_json(&format!("/api/v1/dm/{b_id}"), &json!({}), Some(&a)).await;
    let dm = dm.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let s = c.publish(authed(&plain, publish(&dm, "hi both", "dm1"))).await.unwrap_err();
    assert_eq!(s.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn made_up_keys_are_limited_per_address_while_a_known_key_goes_on() {
    let app = spawn().await;
    let good = key(&app, "good_bot", &[Scope::Info]).await;
    let mut c = client(&app).await;
    c.node_info(authed(&good, pb::NodeInfoRequest {})).await.expect("the good key, read once");
    let mut limited = 0;
    for i in 0..40 {
        let fake = format!("vzk_{:016x}_{}", i, "a".repeat(43));
        let s = c.node_info(authed(&fake, pb::NodeInfoRequest {})).await.unwrap_err();
        match s.code() {
            Code::Unauthenticated => {}
            Code::ResourceExhausted => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(limited > 0, "past 30 failures an address is refused before any database read");
    assert!(c.node_info(authed(&good, pb::NodeInfoRequest {})).await.is_ok(), "a key read lately goes on");
}

#[tokio::test]
async fn bad_input_gets_invalid_argument_or_not_found_never_a_dropped_call() {
    let app = spawn().await;
    let (_, a, _) = app.user("badin").await;
    let r = room(&app, &a, "BadIn", "public").await;
    let k = key(&app, "bad_bot", Scope::ALL.as_slice()).await;
    let mut c = client(&app).await;

    let s =
        c.publish(authed(&k, pb::PublishRequest { body: vec![0xff, 0xfe], ..publish(&r, "", "c") })).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::InvalidArgument, "validation_failed"), "invalid UTF-8");
    assert!(s.message().contains("body"));
    for (body, cid) in [("", "c1"), (&*"x".repeat(4001), "c2"), ("ok", "")] {
        let s = c.publish(authed(&k, publish(&r, body, cid))).await.unwrap_err();
        assert_eq!(s.code(), Code::InvalidArgument, "{} chars / {cid:?}", body.len());
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    let s = c.publish(authed(&k, publish(&unknown, "hi", "c3"))).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::NotFound, "not_found"));
    let s = c.publish(authed(&k, publish("not-a-uuid", "hi", "c4"))).await.unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    // Larger than 64 KiB: refused by the server, the connection still serves.
    let huge = pb::PublishRequest { body: vec![b'a'; 70 * 1024], ..publish(&r, "", "c5") };
    assert_ne!(c.publish(authed(&k, huge)).await.unwrap_err().code(), Code::Ok);
    assert!(c.publish(authed(&k, publish(&r, "still here", "c6"))).await.is_ok());
    // Pushes under server. only; close codes in 4000-4499.
    let (u, _, _) = app.user("pushee").await;
    let push = |t: &str| pb::PushToUserRequest { user: u.clone(), event_type: t.into(), payload: b"{}".to_vec() };
    let s = c.push_to_user(authed(&k, push("offer.updated"))).await.unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument, "a backend cannot forge Veza's events");
    let s = c.push_to_user(authed(&k, pb::PushToUserRequest { payload: b"{nope".to_vec(), ..push("server.x") })).await;
    assert_eq!(s.unwrap_err().code(), Code::InvalidArgument);
    let s =
        c.disconnect(authed(&k, pb::DisconnectRequest { user: u.clone(), code: 1000, reason: String::new() })).await;
    assert_eq!(s.unwrap_err().code(), Code::InvalidArgument);
    let s = c.broadcast(authed(
        &k,
        pb::BroadcastRequest { rooms: vec![], body: b"x".to_vec(), client_id: "b".into(), sender: None },
    ));
    assert_eq!(s.await.unwrap_err().code(), Code::InvalidArgument);
    // Over HTTP: the same codes as problem+json.
    let res =
        server_post(&app, Some(&k), "/api/v1/server/push", json!({ "user": u, "event_type": "offer.updated" })).await;
    assert_eq!(res.status(), 422);
    let big = json!({ "room": r, "body": "a".repeat(70 * 1024), "client_id": "big" });
    assert_eq!(server_post(&app, Some(&k), "/api/v1/server/publish", big).await.status(), 413, "64 KiB here too");
    assert_eq!(server_get(&app, &k, &format!("/api/v1/server/rooms/{unknown}")).await.status(), 404);
    assert_eq!(server_get(&app, &k, "/api/v1/server/rooms?limit=1000").await.status(), 422);
}

#[tokio::test]
async fn pushes_memberships_and_disconnects_reach_live_sessions() {
    let app = spawn().await;
    let (_, a, _) = app.user("liveowner").await;
    let (u, ut, _) = app.user("liveuser").await;
    let r = room(&app, &a, "Lounge", "private").await;
    let k =
        key(&app, "ops_bot", &[Scope::Push, Scope::Subscribe, Scope::Disconnect, Scope::Presence, Scope::Info]).await;
    let mut c = client(&app).await;
    let mut ws = ChatClient::connect(app.addr, &ut).await;

    c.push_to_user(authed(
        &k,
        pb::PushToUserRequest {
            user: u.clone(),
            event_type: "server.invoice.paid".into(),
            payload: br#"{"n":7}"#.to_vec(),
        },
    ))
    .await
    .unwrap();
    let e = ws.expect("event").await;
    assert_eq!((e["kind"].as_str(), e["data"]["n"].as_i64()), (Some("server.invoice.paid"), Some(7)));

    // Subscribe: a member now, the open session joined; messages follow.
    let sub = c.subscribe(authed(&k, pb::SubscribeRequest { user: u.clone(), room: r.clone() })).await.unwrap();
    assert!(sub.get_ref().changed);
    let f = ws.expect("subscribed").await;
    assert_eq!(f["room"], r);
    ws.expect("joined").await;
    let again = c.subscribe(authed(&k, pb::SubscribeRequest { user: u.clone(), room: r.clone() })).await.unwrap();
    assert!(!again.get_ref().changed);
    let res = app
        .post_json(&format!("/api/v1/rooms/{r}/messages"), &json!({ "body": "welcome", "client_id": "w1" }), Some(&a))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(ws.expect("message").await["body"], "welcome");
    let p = c.presence(authed(&k, pb::PresenceRequest { room: r.clone() })).await.unwrap().into_inner();
    assert_eq!(p.users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["liveuser"]);
    let st = c.presence_stats(authed(&k, pb::PresenceStatsRequest { room: r.clone() })).await.unwrap().into_inner();
    assert_eq!((st.users, st.local_connections), (1, 1));
    let info = c.room_info(authed(&k, pb::RoomInfoRequest { room: r.clone() })).await.unwrap().into_inner();
    assert_eq!(info.room.map(|r| (r.name, r.member_count, r.last_seq)), Some(("Lounge".into(), 2, 1)));

    // Unsubscribe: no longer a member, the session left.
    let un = c.unsubscribe(authed(&k, pb::UnsubscribeRequest { user: u.clone(), room: r.clone() })).await.unwrap();
    assert!(un.get_ref().changed);
    assert_eq!(ws.expect("unsubscribed").await["room"], r);
    assert_eq!(app.get_auth(&format!("/api/v1/rooms/{r}"), &ut).await.status(), 404, "private again to them");

    // Disconnect: closed with the backend's code.
    c.disconnect(authed(&k, pb::DisconnectRequest { user: u.clone(), code: 4001, reason: "billing".into() }))
        .await
        .unwrap();
    assert_eq!(ws.close_code(Duration::from_secs(5)).await, Some(4001));

    // The control plane is audited; the data plane is counted per key.
    let mut conn = app.db.conn().await;
    let actions = audit_actions(&mut conn, "server.%").await;
    assert_eq!(actions, ["server.subscribed", "server.subscribed", "server.unsubscribed", "server.disconnected"]);
    let pushes =
        app.metric(r#"veza_server_api_calls_total{key="ops_bot",operation="push_to_user",outcome="ok"}"#).await;
    assert_eq!(pushes, Some(1.0));
}

#[tokio::test]
async fn watch_room_resumes_after_a_dropped_stream_with_no_gap() {
    let app = spawn().await;
    let (_, a, _) = app.user("watchowner").await;
    let r = room(&app, &a, "Watched", "public").await;
    let k = key(&app, "watch_bot", &[Scope::Watch, Scope::Publish]).await;
    let mut c = client(&app).await;
    for i in 1..=5 {
        c.publish(authed(&k, publish(&r, &format!("m{i}"), &format!("m{i}")))).await.unwrap();
    }
    // From the start: the stored five, then live ones.
    let mut stream =
        c.watch_room(authed(&k, pb::WatchRoomRequest { room: r.clone(), since_seq: 0 })).await.unwrap().into_inner();
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(stream.message().await.unwrap().unwrap().seq);
    }
    c.publish(authed(&k, publish(&r, "m6", "m6"))).await.unwrap();
    seen.push(stream.message().await.unwrap().unwrap().seq);
    assert_eq!(seen, [1, 2, 3, 4, 5, 6]);
    // Dropped; more messages meanwhile; resumed from the last seq seen: no gap, no repeat.
    drop(stream);
    for i in 7..=12 {
        c.publish(authed(&k, publish(&r, &format!("m{i}"), &format!("m{i}")))).await.unwrap();
    }
    let mut stream =
        c.watch_room(authed(&k, pb::WatchRoomRequest { room: r.clone(), since_seq: 6 })).await.unwrap().into_inner();
    let publisher = {
        let (mut c, k, r) = (c.clone(), k.clone(), r.clone());
        tokio::spawn(async move {
            for i in 13..=40 {
                c.publish(authed(&k, publish(&r, &format!("m{i}"), &format!("m{i}")))).await.unwrap();
            }
        })
    };
    let mut after = Vec::new();
    while after.len() < 34 {
        let m = tokio::time::timeout(Duration::from_secs(10), stream.message()).await.unwrap().unwrap().unwrap();
        assert_eq!(m.body, format!("m{}", m.seq));
        after.push(m.seq);
    }
    assert_eq!(after, (7..=40).collect::<Vec<u64>>());
    publisher.await.unwrap();
    // A message deleted after it was sent comes again as news: its old seq, `deleted`.
    let page: Value =
        app.get_auth(&format!("/api/v1/rooms/{r}/messages?after=9&limit=1"), &a).await.json().await.unwrap();
    let id = page["items"][0]["id"].as_i64().unwrap();
    let res = app.send_auth(reqwest::Method::DELETE, &format!("/api/v1/rooms/{r}/messages/{id}"), &a, None).await;
    assert_eq!(res.status(), 204);
    let news = tokio::time::timeout(Duration::from_secs(5), stream.message()).await.unwrap().unwrap().unwrap();
    assert_eq!((news.id, news.seq, news.deleted, news.body.as_str()), (id, 10, true, ""));
    // Revoked: the open stream ends too, within two key-cache intervals.
    let mut conn = app.db.conn().await;
    veza::server_api::admin::revoke(&mut conn, "watch_bot").await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(4), stream.message()).await.expect("the stream ends");
    assert_eq!(ended.unwrap_err().code(), Code::Unauthenticated);
    let k = key(&app, "watch_bot2", &[Scope::Watch]).await;
    // Unknown room: NOT_FOUND before any stream.
    let s =
        c.watch_room(authed(&k, pb::WatchRoomRequest { room: uuid::Uuid::now_v7().to_string(), since_seq: 0 })).await;
    assert_eq!(s.unwrap_err().code(), Code::NotFound);
}

#[tokio::test]
async fn the_http_twin_answers_reads_and_is_limited_per_key_not_per_ip() {
    let app =
        TestApp::spawn_with(&[("VEZA__SERVER_API__PER_KEY_PER_SECOND", "5"), ("VEZA__SERVER_API__BURST", "5")]).await;
    let (_, a, _) = app.user("httpowner").await;
    let r = room(&app, &a, "Lobby-1", "public").await;
    room(&app, &a, "Other", "public").await;
    let k = key(&app, "http_bot", &[Scope::Info, Scope::History]).await;
    let page: Value = server_get(&app, &k, "/api/v1/server/rooms?pattern=lobby-*").await.json().await.unwrap();
    let names: Vec<&str> = page["rooms"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Lobby-1"]);
    let nodes: Value = server_get(&app, &k, "/api/v1/server/nodes").await.json().await.unwrap();
    assert!(nodes["nodes"].is_array());
    let h: Value =
        server_get(&app, &k, &format!("/api/v1/server/rooms/{r}/history?limit=5")).await.json().await.unwrap();
    assert_eq!(h["last_seq"], 0);
    // The key's rate: 5 per second with a burst of 5; a second key is not affected.
    let mut limited = false;
    for _ in 0..10 {
        let res = server_get(&app, &k, &format!("/api/v1/server/rooms/{r}")).await;
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
            assert_eq!(res.json::<Value>().await.unwrap()["code"], "rate_limited");
            limited = true;
            break;
        }
    }
    assert!(limited, "the key's own rate applies");
    let k2 = key(&app, "http_bot2", &[Scope::Info]).await;
    assert_eq!(server_get(&app, &k2, &format!("/api/v1/server/rooms/{r}")).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_push_and_disconnect_cross_nodes() {
    let (n1, n2) = two_nodes_with(GRPC).await;
    let (_, a, _) = n1.user("crossowner").await;
    let (u, ut, _) = n1.user("crossuser").await;
    let r = room(&n1, &a, "Across", "public").await;
    let k = key(&n1, "cross_bot", &[Scope::Publish, Scope::Push, Scope::Disconnect, Scope::History]).await;
    // The user on node 2; the backend calls node 1.
    let mut ws = ChatClient::connect(n2.addr, &ut).await;
    ws.join(&r, None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut c = client(&n1).await;
    let p = c.publish(authed(&k, publish(&r, "over there", "x1"))).await.unwrap().into_inner();
    let m = ws.expect("message").await;
    assert_eq!((m["seq"].as_u64(), m["body"].as_str()), (Some(p.seq), Some("over there")));
    // Acked on node 1: in the history read on node 2.
    let mut c2 = client(&n2).await;
    let h = c2.history(authed(&k, pb::HistoryRequest { room: r.clone(), ..Default::default() })).await.unwrap();
    assert_eq!(h.get_ref().messages.last().map(|m| m.id), Some(p.id));
    c.push_to_user(authed(
        &k,
        pb::PushToUserRequest { user: u.clone(), event_type: "server.ping".into(), payload: vec![] },
    ))
    .await
    .unwrap();
    assert_eq!(ws.expect("event").await["kind"], "server.ping");
    c.disconnect(authed(&k, pb::DisconnectRequest { user: u, code: 4100, reason: "moved".into() })).await.unwrap();
    assert_eq!(ws.close_code(Duration::from_secs(5)).await, Some(4100));
}

#[tokio::test]
async fn automatic_moderation_applies_to_what_a_backend_publishes() {
    let app = spawn().await;
    let (b_id, b, _) = app.user("modmember").await;
    let r = room(&app, &b, "Moderated", "public").await;
    let k = key(&app, "mod_bot", &[Scope::Publish, Scope::PublishAs]).await;
    let state = app.handle.state().clone();
    let mut conn = app.db.conn().await;
    state.settings.set(&mut conn, veza::settings::BANNED_WORDS, json!(["zorp"]), None).await.expect("words");
    let mut c = client(&app).await;
    // As the key's service user, and as a member: the same rule refuses both.
    let s = c.publish(authed(&k, publish(&r, "buy zorp now", "z1"))).await.unwrap_err();
    assert_eq!((s.code(), reason(&s).as_str()), (Code::InvalidArgument, "message_rejected"));
    let as_member = pb::PublishRequest { sender: Some(b_id), ..publish(&r, "zorp again", "z2") };
    let s = c.publish(authed(&k, as_member)).await.unwrap_err();
    assert_eq!(reason(&s), "message_rejected");
    let res =
        server_post(&app, Some(&k), "/api/v1/server/publish", json!({ "room": r, "body": "zorp", "client_id": "z3" }))
            .await;
    assert_eq!(
        (res.status().as_u16(), res.json::<Value>().await.unwrap()["code"].clone()),
        (422, json!("message_rejected"))
    );
    // Nothing refused was stored; a clean message goes through.
    let ok = c.publish(authed(&k, publish(&r, "all good", "z4"))).await.unwrap().into_inner();
    assert_eq!(ok.seq, 1);
}
