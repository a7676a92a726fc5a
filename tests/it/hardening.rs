//! Input one client sends must never cost another client anything: what PostgreSQL cannot store
//! is refused at the edge, with a stable code, and everyone else's messages go through.

use crate::support::TestApp;
use crate::support::ws::ChatClient;
use serde_json::{Value, json};

fn send(room: &str, body: &str, client_id: &str) -> Value {
    json!({ "type": "send", "room": room, "body": body, "client_id": client_id })
}

async fn public_room(app: &TestApp, token: &str, name: &str) -> String {
    let res = app.post_json("/api/v1/rooms", &json!({ "name": name, "visibility": "public" }), Some(token)).await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_nul_body_is_refused_at_the_edge_and_other_users_messages_are_stored() {
    let app = TestApp::spawn().await;
    let (_, mallory, _) = app.user("mallory").await;
    let (_, ana, _) = app.user("ana").await;
    let (r1, r2) = (public_room(&app, &mallory, "One").await, public_room(&app, &ana, "Two").await);
    let mut cm = ChatClient::connect(app.addr, &mallory).await;
    let mut ca = ChatClient::connect(app.addr, &ana).await;
    cm.join(&r1, None).await;
    ca.join(&r2, None).await;
    for i in 0..20 {
        cm.send(send(&r1, &format!("bad\u{0}{i}"), &format!("m{i}"))).await;
        ca.send(send(&r2, &format!("fine {i}"), &format!("a{i}"))).await;
    }
    for i in 0..20 {
        let e = cm.expect("error").await;
        assert_eq!((e["code"].as_str(), e["ref"].as_str()), (Some("message_invalid"), Some(format!("m{i}").as_str())));
        let ack = ca.expect("ack").await;
        assert_eq!(ack["client_id"], format!("a{i}"));
        assert_eq!(ack["seq"], i + 1, "every other message stored, in order");
    }
    let res =
        app.post_json(&format!("/api/v1/rooms/{r1}/messages"), &json!({ "body": "x\u{0}y" }), Some(&mallory)).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "validation_failed", "refused before the handler (NUL guard) or by the send check");
    let history: Value =
        app.get_auth(&format!("/api/v1/rooms/{r2}/messages?limit=100"), &ana).await.json().await.unwrap();
    assert_eq!(history["items"].as_array().map(Vec::len), Some(20));
}

#[tokio::test]
async fn answers_with_tokens_or_the_callers_account_are_never_cached() {
    let app = TestApp::spawn().await;
    let registered = app.register("cora").await;
    let token = registered["access_token"].as_str().unwrap().to_owned();
    let res = app
        .post_json("/api/v1/auth/login", &json!({ "login": "cora", "password": crate::support::app::PASSWORD }), None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let me = app.get_auth("/api/v1/auth/me", &token).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
}

#[tokio::test]
async fn a_plain_get_on_the_websocket_endpoint_is_a_client_error() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("pat").await;
    for path in ["/ws".to_owned(), format!("/ws?token={token}")] {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 400, "{path}");
        assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["code"], "bad_request");
    }
}

#[tokio::test]
async fn read_markers_are_bounded_by_the_room_and_only_move_forward() {
    let app = TestApp::spawn().await;
    let (_, ana, _) = app.user("ana").await;
    let (_, ben, _) = app.user("ben").await;
    let r = public_room(&app, &ana, "Marks").await;
    let mut ca = ChatClient::connect(app.addr, &ana).await;
    let mut cb = ChatClient::connect(app.addr, &ben).await;
    ca.join(&r, None).await;
    cb.join(&r, None).await;
    for i in 1..=2 {
        ca.send(send(&r, &format!("m{i}"), &format!("c{i}"))).await;
        cb.expect("message").await;
    }
    cb.send(json!({ "type": "read", "room": r, "up_to": i64::MAX })).await;
    let read = ca.expect("read").await;
    assert_eq!(read["up_to"], 2, "bounded by the room's last seq");
    for bogus in [-1, 0, 1, 2, i64::MAX] {
        cb.send(json!({ "type": "read", "room": r, "up_to": bogus })).await;
    }
    ca.send(send(&r, "m3", "c3")).await;
    cb.expect("message").await;
    cb.send(json!({ "type": "read", "room": r, "up_to": 3 })).await;
    let read = ca.expect("read").await;
    assert_eq!(read["up_to"], 3, "nothing was broadcast for markers that did not move forward");
}

#[tokio::test]
async fn display_names_refuse_invisible_and_direction_changing_characters() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("ruth").await;
    for sneaky in ["rootadmin\u{200b}", "ad\u{202e}nimda", "\u{feff}ruth"] {
        let body = json!({ "display_name": sneaky });
        let res = app.send_auth(reqwest::Method::PATCH, "/api/v1/users/me", &token, Some(&body)).await;
        assert_eq!(res.status(), 422, "{sneaky:?}");
        let p: Value = res.json().await.unwrap();
        assert!(p["errors"]["display_name"].is_array(), "{p}");
    }
    let body = json!({ "display_name": "Ruth Zoë 李" });
    let res = app.send_auth(reqwest::Method::PATCH, "/api/v1/users/me", &token, Some(&body)).await;
    assert_eq!(res.status(), 200);
    let body = json!({ "display_name": "\u{ff52}\u{ff4f}\u{ff4f}\u{ff54} \u{fb01}" });
    let res = app.send_auth(reqwest::Method::PATCH, "/api/v1/users/me", &token, Some(&body)).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["display_name"], "root fi", "full-width letters and ligatures fold (NFKC)");
}

#[tokio::test]
async fn nul_in_a_url_is_a_client_error_not_a_500() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("nils").await;
    for path in ["/api/v1/listings?q=%00", "/api/v1/listings?seller=a%00b", "/api/v1/rooms?q=%00", "/api/v1/users/%00"]
    {
        let res = app.get_auth(path, &token).await;
        assert_eq!(res.status(), 400, "{path}");
        assert_eq!(res.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["code"], "bad_request", "{path}");
    }
    assert_eq!(app.get("/api/v1/listings?q=100%25").await.status(), 200, "an escaped % is fine");
}

#[tokio::test]
async fn nul_in_a_json_value_or_key_is_a_client_error_not_a_500() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("jules").await;
    let cases = [
        ("/api/v1/rooms", r#"{"name":"a\u0000b","visibility":"public"}"#, Some(token.as_str())),
        ("/api/v1/auth/login", r#"{"login":"jules\u0000","password":"x"}"#, None),
    ];
    for (path, body, auth) in cases {
        let mut req = app.client.post(app.url(path)).header("content-type", "application/json").body(body);
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 422, "{path}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["code"], "validation_failed", "{path}");
    }
    let res = app
        .client
        .put(app.url("/api/v1/users/me/preferences"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"k\u0000":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "a NUL in a key");
    let ok = r#"{"name":"a\\u0000b","visibility":"public"}"#;
    let res = app
        .client
        .post(app.url("/api/v1/rooms"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(ok)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "an escaped backslash before u0000 is plain text");
}

#[tokio::test]
async fn a_body_the_database_refuses_handed_straight_to_a_room_fails_alone_and_the_rest_is_stored_in_order() {
    use veza_actors::protocol::UserRef;
    use veza_actors::room::{Post, PostError, PostReply};
    // One writer: both rooms' messages share its batches, as they would under load.
    let app = TestApp::spawn_with(&[("VEZA__CHAT__ROOM_SHARDS", "1")]).await;
    let (ana_id, ana, _) = app.user("ana").await;
    let (ben_id, ben, _) = app.user("ben").await;
    let (r1, r2) = (public_room(&app, &ana, "One").await, public_room(&app, &ben, "Two").await);
    // A rule of the database's own, so that one refusal comes from PostgreSQL itself (SQLSTATE
    // 23514) rather than from the store's NUL check.
    let mut conn = app.db.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("ALTER TABLE messages ADD CONSTRAINT test_no_evil CHECK (body <> 'evil')"),
        &mut conn,
    )
    .await
    .unwrap();
    let registry = app.handle.state().realtime.rooms.clone();
    let room = |id: &str| {
        let registry = registry.clone();
        let id: veza_core::RoomId = id.parse().unwrap();
        async move { registry.get(id).await.unwrap() }
    };
    let (room1, room2) = (room(&r1).await, room(&r2).await);
    let author = |id: &str, name: &str| UserRef { id: id.parse().unwrap(), username: name.into() };
    // Ana's room gets a body PostgreSQL cannot store (NUL) between good ones, past every edge check.
    let mut answers = Vec::new();
    for i in 0..30 {
        let (room, who, body) = match i % 3 {
            0 => (&room1, author(&ana_id, "ana"), format!("a{i}")),
            1 => (&room2, author(&ben_id, "ben"), format!("b{i}")),
            _ if i == 8 => (&room1, author(&ana_id, "ana"), "no\u{0}good".to_owned()),
            _ if i == 20 => (&room1, author(&ana_id, "ana"), "evil".to_owned()),
            _ => (&room1, author(&ana_id, "ana"), format!("a{i}")),
        };
        let (reply, answer) = PostReply::channel();
        room.do_send(Post { author: who, body: body.clone(), client_id: format!("c{i}"), reply, trusted: false });
        answers.push((body, answer));
    }
    let (mut seq1, mut seq2, mut stored1) = (0, 0, Vec::new());
    for (body, answer) in answers {
        let outcome = answer.await.unwrap();
        if body.contains('\0') || body == "evil" {
            assert_eq!(outcome, Err(PostError::Unstorable), "refused on its own, as not worth retrying");
            continue;
        }
        let seq = outcome.unwrap_or_else(|e| panic!("{body}: {e:?}")).seq.get();
        let last = if body.starts_with('a') { &mut seq1 } else { &mut seq2 };
        assert_eq!(seq, *last + 1, "{body}: numbered in the order sent, no gap");
        *last = seq;
        if body.starts_with('a') {
            stored1.push(body);
        }
    }
    assert_eq!((seq1, seq2), (18, 10));
    let history: Value =
        app.get_auth(&format!("/api/v1/rooms/{r1}/messages?limit=100"), &ana).await.json().await.unwrap();
    let mut bodies: Vec<String> =
        history["items"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap().to_owned()).collect();
    bodies.sort_by_key(|b| b[1..].parse::<u32>().unwrap_or(0));
    assert_eq!(bodies, stored1);
    assert_eq!(app.metric("veza_chat_messages_unstorable_total").await, Some(2.0));
}

/// Any text: every Unicode plane, control characters, NUL, empty, blank, and maximum sizes.
fn random_body(rng: &mut veza_core::rng::SeededRng) -> String {
    let len = match rng.below(10) {
        0 => 0,
        1 => 4000,
        2 => 4001,
        _ => rng.below(64),
    };
    (0..len)
        .map(|_| match rng.below(6) {
            0 => char::from_u32(rng.below(0x20) as u32).unwrap_or('x'),
            1 => '\u{0}',
            2 => char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{fffd}'),
            3 => ['\u{200b}', '\u{202e}', '\u{feff}', '\u{fffe}', ' '][rng.below(5)],
            _ => char::from_u32(0x20 + rng.below(0x5f) as u32).unwrap_or('y'),
        })
        .collect()
}

#[tokio::test]
async fn random_bodies_from_one_user_never_cost_the_others_a_message() {
    let app = TestApp::spawn_with(&[("VEZA__CHAT__SEND_PER_MINUTE", "6000"), ("VEZA__CHAT__SEND_BURST", "200")]).await;
    let (_, mallory, _) = app.user("mallory").await;
    let (_, ana, _) = app.user("ana").await;
    let (_, ben, _) = app.user("ben").await;
    let (r1, r2) = (public_room(&app, &mallory, "Noise").await, public_room(&app, &ana, "Talk").await);
    let mut cm = ChatClient::connect(app.addr, &mallory).await;
    let mut ca = ChatClient::connect(app.addr, &ana).await;
    let mut cb = ChatClient::connect(app.addr, &ben).await;
    cm.join(&r1, None).await;
    cm.join(&r2, None).await;
    ca.join(&r2, None).await;
    cb.join(&r2, None).await;
    let mut rng = veza_core::rng::SeededRng::new(0x005e_ed14);
    let rounds = 30;
    for i in 0..rounds {
        // Mallory's noise goes to her room and to the one the others talk in.
        let target = if i % 2 == 0 { &r1 } else { &r2 };
        cm.send(send(target, &random_body(&mut rng), &format!("m{i}"))).await;
        ca.send(send(&r2, &format!("ana {i}"), &format!("a{i}"))).await;
        cb.send(send(&r2, &format!("ben {i}"), &format!("b{i}"))).await;
    }
    for (client, who) in [(&mut ca, "a"), (&mut cb, "b")] {
        for i in 0..rounds {
            let ack = client.expect("ack").await;
            assert_eq!(ack["client_id"], format!("{who}{i}"), "every message of {who} acked, in order");
        }
    }
    // Mallory hears about each of hers: stored, refused for what it is, or rate limited; never
    // `unavailable`, which would tell her client to send it again forever.
    let mut answered = 0;
    while answered < rounds {
        let Some(f) = cm.next(std::time::Duration::from_secs(10)).await else { panic!("{answered} answers") };
        match f["type"].as_str() {
            Some("ack") => answered += 1,
            Some("error") => {
                let code = f["code"].as_str().unwrap_or_default();
                assert!(["message_invalid", "message_rejected", "rate_limited"].contains(&code), "{f}");
                answered += 1;
            }
            _ => {}
        }
    }
    // At most 90 messages in the room: one page holds them all.
    let history: Value =
        app.get_auth(&format!("/api/v1/rooms/{r2}/messages?limit=100"), &ana).await.json().await.unwrap();
    let ours = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"].as_str().is_some_and(|b| b.starts_with("ana ") || b.starts_with("ben ")))
        .count();
    assert_eq!(ours, 2 * rounds, "every message of ana and ben is stored");
}

#[tokio::test]
async fn a_body_is_an_object_of_known_fields_and_whole_numbers_may_be_written_as_floats() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("bea").await;
    let post = |body: &'static str| {
        let req = app.client.post(app.url("/api/v1/rooms")).bearer_auth(&token);
        req.header("content-type", "application/json").body(body).send()
    };
    for body in [r#"["Room", "public"]"#, r#"{"name":"Room","visibility":"public","owner":"me"}"#] {
        let res = post(body).await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["code"], "validation_failed", "{body}");
    }
    for name in ["bell\u{7}", &"x".repeat(81)] {
        let res = app.post_json("/api/v1/rooms", &json!({ "name": name, "visibility": "public" }), Some(&token)).await;
        assert_eq!(res.status(), 422, "{name:?}: one line of at most 80 characters");
    }
    let room = public_room(&app, &token, "  Padded  ").await;
    let v: Value = app.get_auth(&format!("/api/v1/rooms/{room}"), &token).await.json().await.unwrap();
    assert_eq!(v["name"], "Padded");
    // JSON Schema counts 30.0 as an integer: so does the server.
    let (member, member_token, _) = app.user("cid").await;
    let res = app.post_json(&format!("/api/v1/rooms/{room}/join"), &json!({}), Some(&member_token)).await;
    assert_eq!(res.status(), 200);
    let body = json!({ "user_id": member, "minutes": 30.0 });
    let res = app.post_json(&format!("/api/v1/rooms/{room}/mute"), &body, Some(&token)).await;
    assert_eq!(res.status(), 204, "a whole float is an integer");
    let body = json!({ "user_id": member, "minutes": 30.5 });
    let res = app.post_json(&format!("/api/v1/rooms/{room}/mute"), &body, Some(&token)).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "validation_failed");
}

#[tokio::test]
async fn an_empty_idempotency_key_is_no_key() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("ike").await;
    for (key, expect) in [("", 201), ("k 1\tok", 201), ("\u{e9}", 422)] {
        let res = app
            .client
            .post(app.url("/api/v1/rooms"))
            .bearer_auth(&token)
            .header("Idempotency-Key", reqwest::header::HeaderValue::from_bytes(key.as_bytes()).unwrap())
            .json(&json!({ "name": format!("r{}", key.len()), "visibility": "public" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expect, "{key:?}");
    }
}
