//! Chat over real WebSockets: rooms, ordering, retries, resume, moderation, limits.

use crate::support::TestApp;
use crate::support::ws::{ChatClient, WsConnectError, connect};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn room(app: &TestApp, token: &str, name: &str, visibility: &str) -> String {
    let res = app.post_json("/api/v1/rooms", &json!({ "name": name, "visibility": visibility }), Some(token)).await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["role"], "owner");
    v["id"].as_str().expect("id").to_owned()
}

fn send(room: &str, body: &str, client_id: &str) -> Value {
    json!({ "type": "send", "room": room, "body": body, "client_id": client_id })
}

#[tokio::test]
async fn two_users_chat_in_a_public_room() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("ana").await;
    let (b_id, b, _) = app.user("ben").await;
    let r = room(&app, &a, "Jazz", "public").await;
    let mut ca = ChatClient::connect(app.addr, &a).await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    let joined = ca.join(&r, None).await;
    assert_eq!(joined["members_online"], 1);
    cb.join(&r, None).await;
    let p = ca.expect("presence").await;
    assert_eq!((p["user"]["id"].as_str(), p["online"].as_bool()), (Some(b_id.as_str()), Some(true)));

    ca.send(send(&r, "hello ben", "m1")).await;
    let ack = ca.expect("ack").await;
    assert_eq!((ack["client_id"].as_str(), ack["seq"].as_i64()), (Some("m1"), Some(1)));
    let m = cb.expect("message").await;
    assert_eq!(m["body"], "hello ben");
    assert_eq!(m["seq"], 1);
    assert_eq!(m["id"], ack["id"]);
    assert_eq!(m["author"]["username"], "ana");
    assert!(m["sent_at"].is_string());

    // Joining over the WebSocket made ben a member.
    let v: Value = app.get_auth(&format!("/api/v1/rooms/{r}"), &b).await.json().await.expect("json");
    assert_eq!((v["member_count"].as_i64(), v["role"].as_str()), (Some(2), Some("member")));
}

#[tokio::test]
async fn private_rooms_refuse_non_members_until_added() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("cleo").await;
    let (b_id, b, _) = app.user("dan").await;
    let r = room(&app, &a, "Secret", "private").await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    cb.send(json!({ "type": "join", "room": r })).await;
    let e = cb.expect("error").await;
    assert_eq!(e["code"], "not_a_member");
    assert_eq!(app.get_auth(&format!("/api/v1/rooms/{r}"), &b).await.status(), 404, "hidden from non-members");
    cb.send(send(&r, "let me in", "x")).await;
    assert_eq!(cb.expect("error").await["ref"], "x");

    let res = app.post_json(&format!("/api/v1/rooms/{r}/members"), &json!({ "user_id": b_id }), Some(&a)).await;
    assert_eq!(res.status(), 201);
    cb.join(&r, None).await;
}

#[tokio::test]
async fn a_retried_send_gets_the_same_id_and_seq_and_is_delivered_once() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("eve").await;
    let (_, b, _) = app.user("fox").await;
    let r = room(&app, &a, "Retry", "public").await;
    let mut ca = ChatClient::connect(app.addr, &a).await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    ca.join(&r, None).await;
    cb.join(&r, None).await;
    ca.send(send(&r, "once", "same-id")).await;
    let first = ca.expect("ack").await;
    ca.send(send(&r, "once", "same-id")).await;
    let second = ca.expect("ack").await;
    assert_eq!((first["id"].clone(), first["seq"].clone()), (second["id"].clone(), second["seq"].clone()));
    ca.send(send(&r, "next", "other-id")).await;
    ca.expect("ack").await;
    let m1 = cb.expect("message").await;
    let m2 = cb.expect("message").await;
    assert_eq!((m1["body"].as_str(), m2["body"].as_str()), (Some("once"), Some("next")), "no duplicate in between");
    assert_eq!(m2["seq"], 2);
}

#[tokio::test]
async fn resume_with_last_seen_gets_exactly_the_missed_messages_then_live() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("gil").await;
    let (_, b, _) = app.user("hue").await;
    let r = room(&app, &a, "Resume", "public").await;
    let mut ca = ChatClient::connect(app.addr, &a).await;
    ca.join(&r, None).await;
    for i in 1..=5 {
        ca.send(send(&r, &format!("m{i}"), &format!("c{i}"))).await;
        ca.expect("ack").await;
    }
    let mut cb = ChatClient::connect(app.addr, &b).await;
    cb.join(&r, Some(2)).await;
    for seq in 3..=5 {
        let m = cb.expect("message").await;
        assert_eq!(m["seq"], seq);
    }
    ca.send(send(&r, "live", "c6")).await;
    let live = cb.expect("message").await;
    assert_eq!(
        (live["seq"].as_i64(), live["body"].as_str()),
        (Some(6), Some("live")),
        "no gap, no duplicate at the seam"
    );
}

#[tokio::test]
async fn a_burst_of_1000_messages_from_10_clients_arrives_complete_and_in_order() {
    let app =
        TestApp::spawn_with(&[("VEZA__CHAT__SEND_PER_MINUTE", "100000"), ("VEZA__CHAT__SEND_BURST", "1000")]).await;
    let (_, owner, _) = app.user("owner").await;
    let r = room(&app, &owner, "Burst", "public").await;
    let mut reader = ChatClient::connect(app.addr, &owner).await;
    reader.join(&r, None).await;
    let mut senders = Vec::new();
    for i in 0..10 {
        let (_, t, _) = app.user(&format!("sender{i}")).await;
        let mut c = ChatClient::connect(app.addr, &t).await;
        c.join(&r, None).await;
        senders.push(c);
    }
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            let r = r.clone();
            tokio::spawn(async move {
                for j in 0..100 {
                    c.send(send(&r, &format!("s{i}-{j}"), &format!("{i}-{j}"))).await;
                }
                let mut acks = 0;
                while acks < 100 {
                    if c.expect("ack").await["type"] == "ack" {
                        acks += 1;
                    }
                }
                c
            })
        })
        .collect();
    let mut expected_seq = 1;
    while expected_seq <= 1000 {
        let m = reader.expect("message").await;
        assert_eq!(m["seq"], expected_seq, "strict seq order, no gap");
        expected_seq += 1;
    }
    for t in tasks {
        t.await.expect("sender");
    }
}

#[tokio::test]
async fn json_and_msgpack_clients_share_a_room() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("ivy").await;
    let (_, b, _) = app.user("jon").await;
    let r = room(&app, &a, "Mixed", "public").await;
    let mut json_client = ChatClient::connect_as(app.addr, &a, false).await;
    let mut mp_client = ChatClient::connect_as(app.addr, &b, true).await;
    json_client.join(&r, None).await;
    mp_client.join(&r, None).await;
    mp_client.send(send(&r, "from msgpack", "mp1")).await;
    // The author gets its ack and its own message, in either order.
    let (mut ack, mut echo) = (None, None);
    while ack.is_none() || echo.is_none() {
        let f = mp_client.next(Duration::from_secs(5)).await.expect("a frame");
        match f["type"].as_str() {
            Some("ack") => ack = Some(f),
            Some("message") => echo = Some(f),
            _ => {}
        }
    }
    assert_eq!(ack.map(|a| a["seq"].clone()), Some(json!(1)));
    let echo = echo.unwrap_or_default();
    assert_eq!(echo["body"], "from msgpack", "the MessagePack client decodes the same frame");
    assert_eq!(echo["room"], json!(r), "ids are strings in MessagePack too");
    let got = json_client.expect("message").await;
    assert_eq!(got["body"], "from msgpack");
}

#[tokio::test]
async fn the_token_is_checked_before_the_upgrade() {
    let app = TestApp::spawn().await;
    match connect(&format!("ws://{}/ws", app.addr), &["veza.json.v1"], None).await {
        Err(WsConnectError::Refused { status, body }) => {
            assert_eq!(status, 401);
            assert!(body.contains("unauthenticated"), "{body}");
        }
        other => panic!("expected 401, got {:?}", other.map(|(_, p)| p)),
    }
    match connect(&format!("ws://{}/ws?token=forged", app.addr), &[], None).await {
        Err(WsConnectError::Refused { status, .. }) => assert_eq!(status, 401),
        other => panic!("expected 401, got {:?}", other.map(|(_, p)| p)),
    }
}

#[tokio::test]
async fn malformed_frames_get_errors_and_the_connection_stays_but_oversized_ones_close_1009() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("kit").await;
    let mut c = ChatClient::connect(app.addr, &a).await;
    for i in 0..50 {
        c.send_raw(Message::Text(format!("{{not json {i}").into())).await;
    }
    for _ in 0..50 {
        assert_eq!(c.expect("error").await["code"], "frame_invalid");
    }
    c.send(json!({ "type": "ping" })).await;
    c.expect("pong").await;

    c.send_raw(Message::Text("x".repeat(70 * 1024).into())).await;
    assert_eq!(c.close_code(Duration::from_secs(5)).await, Some(1009));
}

#[tokio::test]
async fn a_revoked_session_is_closed_with_1008() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("lia").await;
    let mut c = ChatClient::connect(app.addr, &a).await;
    let res = app.post_json("/api/v1/auth/logout-all", &json!({}), Some(&a)).await;
    assert_eq!(res.status(), 204);
    assert_eq!(c.close_code(Duration::from_secs(3)).await, Some(1008));
}

#[tokio::test]
async fn draining_closes_websockets_with_1012() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("moe").await;
    let mut c = ChatClient::connect(app.addr, &a).await;
    let handle = app.handle.clone();
    tokio::spawn(async move { handle.drain().await });
    assert_eq!(c.close_code(Duration::from_secs(5)).await, Some(1012));
}
