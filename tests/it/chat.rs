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

#[tokio::test]
async fn direct_messages_respect_blocks_and_announce_themselves() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("nia").await;
    let (b_id, b, _) = app.user("oto").await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    let res = app.post_json(&format!("/api/v1/dm/{b_id}"), &json!({}), Some(&a)).await;
    assert_eq!(res.status(), 201);
    let dm: Value = res.json().await.expect("json");
    let r = dm["id"].as_str().expect("id").to_owned();
    assert_eq!(dm["is_direct"], true);
    assert_eq!((dm["peer"]["id"].as_str(), dm["peer"]["username"].as_str()), (Some(b_id.as_str()), Some("oto")));
    let ev = cb.expect("event").await;
    assert_eq!((ev["kind"].as_str(), ev["data"]["room"].as_str()), (Some("dm.created"), Some(r.as_str())));
    let again = app.post_json(&format!("/api/v1/dm/{a_id}"), &json!({}), Some(&b)).await;
    assert_eq!(again.status(), 200, "one direct room per pair");
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], json!(r));
    assert_eq!(again["peer"]["username"], "nia", "each member sees the other one");
    let mine: Value = app.get_auth("/api/v1/rooms?mine=true", &b).await.json().await.expect("json");
    assert_eq!(mine["items"][0]["peer"]["username"], "nia", "{mine}");

    let mut ca = ChatClient::connect(app.addr, &a).await;
    ca.join(&r, None).await;
    ca.send(send(&r, "hi", "d1")).await;
    ca.expect("ack").await;
    // B blocks A: A can no longer write to B, nor open a new DM.
    assert_eq!(app.post_json(&format!("/api/v1/users/{a_id}/block"), &json!({}), Some(&b)).await.status(), 204);
    ca.send(send(&r, "hello?", "d2")).await;
    let e = ca.expect("error").await;
    assert_eq!((e["code"].as_str(), e["ref"].as_str()), (Some("blocked"), Some("d2")));
    let res = app.post_json(&format!("/api/v1/dm/{b_id}"), &json!({}), Some(&a)).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn friend_requests_arrive_on_the_user_channel() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("pia").await;
    let (b_id, b, _) = app.user("quy").await;
    let mut b1 = ChatClient::connect(app.addr, &b).await;
    let mut b2 = ChatClient::connect(app.addr, &b).await;
    app.post_json(&format!("/api/v1/users/{b_id}/friend-request"), &json!({}), Some(&a)).await;
    for c in [&mut b1, &mut b2] {
        let ev = c.expect("event").await;
        assert_eq!((ev["kind"].as_str(), ev["data"]["from"].as_str()), (Some("friend.request"), Some(a_id.as_str())));
    }
}

#[tokio::test]
async fn muted_members_and_banned_words_are_refused() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("rae").await;
    let (b_id, b, _) = app.user("sid").await;
    let r = room(&app, &owner, "Moderated", "public").await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    cb.join(&r, None).await;

    let state = app.handle.state().clone();
    let mut conn = app.db.conn().await;
    state.settings.set(&mut conn, veza::settings::BANNED_WORDS, json!(["scam"]), None).await.expect("set");
    cb.send(send(&r, "great SCAM here", "w1")).await;
    let e = cb.expect("error").await;
    assert_eq!((e["code"].as_str(), e["ref"].as_str()), (Some("message_rejected"), Some("w1")));
    cb.send(send(&r, "a fair deal", "w2")).await;
    cb.expect("ack").await;

    // A non-moderator cannot mute; the owner can.
    let res =
        app.post_json(&format!("/api/v1/rooms/{r}/mute"), &json!({ "user_id": b_id, "minutes": 5 }), Some(&b)).await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_json(&format!("/api/v1/rooms/{r}/mute"), &json!({ "user_id": b_id, "minutes": 5 }), Some(&owner))
        .await;
    assert_eq!(res.status(), 204);
    tokio::time::sleep(Duration::from_millis(100)).await;
    cb.send(send(&r, "still here", "w3")).await;
    assert_eq!(cb.expect("error").await["code"], "muted");
    let res = app.post_json(&format!("/api/v1/rooms/{r}/messages"), &json!({ "body": "via rest" }), Some(&b)).await;
    assert_eq!(res.status(), 403, "muted over REST too");
    app.post_json(&format!("/api/v1/rooms/{r}/mute"), &json!({ "user_id": b_id, "minutes": 0 }), Some(&owner)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    cb.send(send(&r, "back", "w4")).await;
    cb.expect("ack").await;
}

#[tokio::test]
async fn history_pages_by_seq_and_deletion_keeps_the_slot() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("tao").await;
    let (_, b, _) = app.user("uli").await;
    let r = room(&app, &a, "History", "public").await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    cb.join(&r, None).await;
    let mut ids = Vec::new();
    for i in 1..=6 {
        let res =
            app.post_json(&format!("/api/v1/rooms/{r}/messages"), &json!({ "body": format!("m{i}") }), Some(&a)).await;
        assert_eq!(res.status(), 201);
        let m: Value = res.json().await.expect("json");
        assert_eq!(m["seq"], i);
        ids.push(m["id"].as_i64().expect("id"));
        assert_eq!(cb.expect("message").await["seq"], i, "REST posts are delivered live");
    }
    let res = app.send_auth(reqwest::Method::DELETE, &format!("/api/v1/rooms/{r}/messages/{}", ids[2]), &b, None).await;
    assert_eq!(res.status(), 403, "not the author nor a moderator");
    let res = app.send_auth(reqwest::Method::DELETE, &format!("/api/v1/rooms/{r}/messages/{}", ids[2]), &a, None).await;
    assert_eq!(res.status(), 204);
    let d = cb.expect("message_deleted").await;
    assert_eq!((d["seq"].as_i64(), d["id"].as_i64()), (Some(3), Some(ids[2])));

    // Public history needs no token.
    let page: Value = app.get(&format!("/api/v1/rooms/{r}/messages?limit=4")).await.json().await.expect("json");
    let seqs: Vec<i64> = page["items"].as_array().expect("items").iter().filter_map(|m| m["seq"].as_i64()).collect();
    assert_eq!(seqs, [3, 4, 5, 6], "the newest page, ascending");
    assert_eq!(page["items"][0], json!({ "id": ids[2], "seq": 3, "deleted": true }));
    let older: Value =
        app.get(&format!("/api/v1/rooms/{r}/messages?before=3&limit=4")).await.json().await.expect("json");
    let seqs: Vec<i64> = older["items"].as_array().expect("items").iter().filter_map(|m| m["seq"].as_i64()).collect();
    assert_eq!(seqs, [1, 2]);
    let newer: Value =
        app.get(&format!("/api/v1/rooms/{r}/messages?after=4&limit=10")).await.json().await.expect("json");
    let seqs: Vec<i64> = newer["items"].as_array().expect("items").iter().filter_map(|m| m["seq"].as_i64()).collect();
    assert_eq!(seqs, [5, 6]);

    // Resume shows the slot as deleted.
    let mut late = ChatClient::connect(app.addr, &a).await;
    late.join(&r, Some(2)).await;
    let first = late.next(Duration::from_secs(5)).await.expect("frame");
    assert_eq!((first["type"].as_str(), first["seq"].as_i64()), (Some("message_deleted"), Some(3)));
}

#[tokio::test]
async fn typing_and_read_markers_reach_the_others() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("val").await;
    let (_, b, _) = app.user("wyn").await;
    let r = room(&app, &a, "Live", "public").await;
    let mut ca = ChatClient::connect(app.addr, &a).await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    ca.join(&r, None).await;
    cb.join(&r, None).await;
    ca.send(json!({ "type": "typing", "room": r })).await;
    let t = cb.expect("typing").await;
    assert_eq!(t["user"]["username"], "val");
    ca.send(send(&r, "hey", "t1")).await;
    let m = cb.expect("message").await;
    cb.send(json!({ "type": "read", "room": r, "up_to": m["seq"] })).await;
    let read = ca.expect("read").await;
    assert_eq!((read["user"]["username"].as_str(), read["up_to"].as_i64()), (Some("wyn"), Some(1)));
}

#[tokio::test]
async fn a_members_room_view_counts_what_they_have_not_read() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("una").await;
    let (_, b, _) = app.user("vic").await;
    let r = room(&app, &a, "Unread", "public").await;
    let mut cb = ChatClient::connect(app.addr, &b).await;
    cb.join(&r, None).await;
    for (i, body) in ["one", "two", "three"].iter().enumerate() {
        let res = app.post_json(&format!("/api/v1/rooms/{r}/messages"), &json!({ "body": body }), Some(&a)).await;
        assert_eq!(res.status(), 201, "post {i}");
    }
    let mine = |token: String| {
        let app = &app;
        async move {
            let page: Value = app.get_auth("/api/v1/rooms?mine=true", &token).await.json().await.expect("json");
            let items = page.get("items").unwrap_or(&page).as_array().cloned().unwrap_or_default();
            items.into_iter().find(|v| v["name"] == "Unread").expect("the room is listed")
        }
    };
    let v = mine(b.clone()).await;
    assert_eq!(
        (v["last_seq"].as_i64(), v["last_read_seq"].as_i64(), v["unread"].as_i64()),
        (Some(3), Some(0), Some(3))
    );
    cb.send(json!({ "type": "read", "room": r, "up_to": 2 })).await;
    cb.expect("read").await;
    let v = mine(b.clone()).await;
    assert_eq!((v["last_read_seq"].as_i64(), v["unread"].as_i64()), (Some(2), Some(1)));
    // Someone who is not a member has no reading of the room.
    let anon: Value = app.get(&format!("/api/v1/rooms/{r}")).await.json().await.expect("json");
    assert!(anon["unread"].is_null() && anon["last_read_seq"].is_null(), "{anon}");
}

#[tokio::test]
async fn rooms_are_listed_searched_and_left() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("xeno").await;
    let (_, b, _) = app.user("yara").await;
    let jazz = room(&app, &a, "Late Night Jazz", "public").await;
    room(&app, &a, "Drum Circle", "public").await;
    let secret = room(&app, &a, "Secret Jazz", "private").await;
    let list: Value = app.get("/api/v1/rooms?q=jazz").await.json().await.expect("json");
    let ids: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, [jazz.as_str()], "public rooms only, matched by name");
    assert_eq!(app.get("/api/v1/rooms?mine=true").await.status(), 401);
    let res = app.post_json(&format!("/api/v1/rooms/{jazz}/join"), &json!({}), Some(&b)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.post_json(&format!("/api/v1/rooms/{secret}/join"), &json!({}), Some(&b)).await.status(), 404);
    let mine: Value = app.get_auth("/api/v1/rooms?mine=true", &b).await.json().await.expect("json");
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.post_json(&format!("/api/v1/rooms/{jazz}/leave"), &json!({}), Some(&b)).await.status(), 204);
    let mine: Value = app.get_auth("/api/v1/rooms?mine=true", &b).await.json().await.expect("json");
    assert_eq!(mine["items"], json!([]));
}

#[tokio::test]
async fn an_owner_who_leaves_hands_the_room_on_moderators_first() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("olga").await;
    let (early_id, early, _) = app.user("early").await;
    let (late_id, late, _) = app.user("late").await;
    let r = room(&app, &owner, "Handover", "private").await;
    for id in [&early_id, &late_id] {
        let res = app.post_json(&format!("/api/v1/rooms/{r}/members"), &json!({ "user_id": id }), Some(&owner)).await;
        assert_eq!(res.status(), 201);
    }
    // The later member is the moderator: moderators inherit before longer-standing members.
    let mut conn = app.db.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE room_members SET role = 'moderator' WHERE room_id = $1 AND user_id = $2")
            .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(&r).expect("uuid"))
            .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(&late_id).expect("uuid")),
        &mut conn,
    )
    .await
    .expect("promote");
    let mut heir = ChatClient::connect(app.addr, &late).await;
    assert_eq!(app.post_json(&format!("/api/v1/rooms/{r}/leave"), &json!({}), Some(&owner)).await.status(), 204);
    let ev = heir.expect("event").await;
    assert_eq!((ev["kind"].as_str(), ev["data"]["room"].as_str()), (Some("room.owner"), Some(r.as_str())));
    let view: Value = app.get_auth(&format!("/api/v1/rooms/{r}"), &late).await.json().await.expect("json");
    assert_eq!(view["role"], "owner");
    assert_eq!(app.get_auth(&format!("/api/v1/rooms/{r}"), &owner).await.status(), 404, "a private room, left");
    // The new owner leaves too: the remaining member inherits, and can moderate.
    assert_eq!(app.post_json(&format!("/api/v1/rooms/{r}/leave"), &json!({}), Some(&late)).await.status(), 204);
    let view: Value = app.get_auth(&format!("/api/v1/rooms/{r}"), &early).await.json().await.expect("json");
    assert_eq!(view["role"], "owner");
    // Leaving twice is 404: there is no membership left to end.
    assert_eq!(app.post_json(&format!("/api/v1/rooms/{r}/leave"), &json!({}), Some(&late)).await.status(), 404);
}

#[tokio::test]
async fn muting_someone_who_is_not_a_member_is_invalid_input() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("mona").await;
    let (stranger, _, _) = app.user("stranger").await;
    let r = room(&app, &owner, "Quiet", "public").await;
    for user_id in [stranger, uuid::Uuid::now_v7().to_string()] {
        let res = app
            .post_json(&format!("/api/v1/rooms/{r}/mute"), &json!({ "user_id": user_id, "minutes": 5 }), Some(&owner))
            .await;
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["code"], "validation_failed");
        assert!(body["errors"]["user_id"].is_array(), "{body}");
    }
}

#[tokio::test]
async fn resume_past_1000_missed_messages_announces_the_truncated_range() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("zed").await;
    let r = room(&app, &a, "Busy", "public").await;
    // 1,005 messages written straight to the store (posting them would only make this slower).
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.conn().await;
    diesel::sql_query(
        "INSERT INTO messages (room_id, seq, author_id, client_id, body) \
         SELECT $1::uuid, g, $2::uuid, 'bulk-' || g, 'm' || g FROM generate_series(1, 1005) g",
    )
    .bind::<diesel::sql_types::Text, _>(&r)
    .bind::<diesel::sql_types::Text, _>(&a_id)
    .execute(&mut conn)
    .await
    .expect("bulk insert");
    diesel::sql_query("UPDATE rooms SET last_seq = 1005 WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(&r)
        .execute(&mut conn)
        .await
        .expect("last_seq");

    let mut c = ChatClient::connect(app.addr, &a).await;
    c.join(&r, Some(0)).await;
    let t = c.expect("history_truncated").await;
    assert_eq!((t["after"].as_i64(), t["before"].as_i64()), (Some(0), Some(6)), "seqs 1..5 are left to REST");
    for seq in 6..=1005 {
        assert_eq!(c.expect("message").await["seq"], seq);
    }
}

#[tokio::test]
async fn several_connections_of_one_user_count_once_and_metrics_move() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("amy").await;
    let (_, b, _) = app.user("bob").await;
    let r = room(&app, &a, "Count", "public").await;
    let mut a1 = ChatClient::connect(app.addr, &a).await;
    let mut a2 = ChatClient::connect(app.addr, &a).await;
    assert_eq!(a1.join(&r, None).await["members_online"], 1);
    assert_eq!(a2.join(&r, None).await["members_online"], 1, "the same user twice is one member online");
    let mut b1 = ChatClient::connect(app.addr, &b).await;
    assert_eq!(b1.join(&r, None).await["members_online"], 2);
    b1.send(send(&r, "count me", "k1")).await;
    b1.expect("ack").await;
    a1.expect("message").await;
    a2.expect("message").await;
    assert_eq!(app.metric("veza_chat_messages_total").await, Some(1.0));
    assert!(app.metric("veza_chat_deliveries_total").await.unwrap_or(0.0) >= 3.0, "one per connection");
    assert_eq!(app.metric("veza_ws_connections").await, Some(3.0));
    let text = app.get("/metrics").await.text().await.expect("text");
    assert!(text.contains("veza_chat_commit_seconds_count 1"), "commit latency histogram: {text}");
}

#[tokio::test]
async fn a_suspended_user_is_disconnected_with_1008_within_two_seconds() {
    let app = TestApp::spawn().await;
    let (id, a, _) = app.user("sue").await;
    let mut c = ChatClient::connect(app.addr, &a).await;
    use diesel_async::RunQueryDsl;
    diesel::sql_query("UPDATE users SET status = 'suspended' WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut app.db.conn().await)
        .await
        .expect("suspend");
    assert_eq!(c.close_code(Duration::from_secs(2)).await, Some(1008));
}

#[tokio::test]
async fn a_quiet_room_finds_messages_committed_but_never_announced() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("ghost").await;
    let r = room(&app, &a, "Quiet", "public").await;
    let mut c = ChatClient::connect(app.addr, &a).await;
    c.join(&r, None).await;
    // As if another node committed and died before publishing.
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.conn().await;
    diesel::sql_query("UPDATE rooms SET last_seq = 1 WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(&r)
        .execute(&mut conn)
        .await
        .expect("last_seq");
    diesel::sql_query("INSERT INTO messages (room_id, seq, author_id, client_id, body) VALUES ($1::uuid, 1, $2::uuid, 'lost', 'orphan')")
        .bind::<diesel::sql_types::Text, _>(&r)
        .bind::<diesel::sql_types::Text, _>(&a_id)
        .execute(&mut conn)
        .await
        .expect("insert");
    let m = c.expect("message").await;
    assert_eq!((m["seq"].as_i64(), m["body"].as_str()), (Some(1), Some("orphan")));
}
