//! Automatic moderation in the chat path: block, flag (a case once the message is stored),
//! timeout (every room, every node), exempt roles and rooms, log-only, and bad rules refused.

use crate::market::count;
use crate::multinode::two_nodes_with;
use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::ws::ChatClient;
use serde_json::{Value, json};
use std::time::Duration;

async fn set_rules(app: &TestApp, rules: Value) {
    let state = app.handle.state().clone();
    let mut conn = app.db.conn().await;
    state.settings.set(&mut conn, veza::settings::AUTOMOD_RULES, rules, None).await.expect("rules");
}

async fn room(app: &TestApp, owner: &str, name: &str) -> String {
    let res = app.post_json("/api/v1/rooms", &json!({ "name": name, "visibility": "public" }), Some(owner)).await;
    res.json::<Value>().await.expect("room")["id"].as_str().expect("id").to_owned()
}

fn send(room: &str, body: &str, client_id: &str) -> Value {
    json!({ "type": "send", "room": room, "body": body, "client_id": client_id })
}

/// The answer to `client_id`'s send: `ack` or `error`.
async fn answer(c: &mut ChatClient, client_id: &str) -> Value {
    loop {
        let f = c.next(Duration::from_secs(10)).await.expect("an answer");
        let mine = f["client_id"] == client_id || f["ref"] == client_id;
        if mine && (f["type"] == "ack" || f["type"] == "error") {
            return f;
        }
    }
}

fn rules() -> Value {
    json!([
        { "name": "scams", "match": "words", "words": ["scam", "giveaway"], "action": "block",
          "exempt_roles": ["moderator"] },
        { "name": "links", "match": "regex", "patterns": ["https?://\\S+"], "action": "flag" },
        { "name": "pings", "match": "mentions", "max_mentions": 3, "action": "timeout", "timeout_secs": 60 },
        { "name": "watch", "match": "words", "words": ["crypto"], "action": "block", "log_only": true },
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_block_flag_and_exempt() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("olga").await;
    let (_, moderator) = crate::admin_users::with_roles(&app, "mona", "{user,moderator}").await;
    let r = room(&app, &owner, "lobby").await;
    let quiet = room(&app, &owner, "quiet").await;
    set_rules(&app, rules()).await;
    set_rules(&app, {
        let mut v = rules();
        v[0]["exempt_rooms"] = json!([quiet]);
        v
    })
    .await;
    let (_, user, _) = app.user("ugo").await;
    let mut c = ChatClient::connect(app.addr, &user).await;
    c.join(&r, None).await;
    c.join(&quiet, None).await;
    let mut staff = ChatClient::connect(app.addr, &moderator).await;

    c.send(send(&r, "free GIVEAWAY here", "b1")).await;
    assert_eq!(answer(&mut c, "b1").await["code"], "message_rejected");
    c.send(send(&quiet, "free giveaway here", "b2")).await;
    assert_eq!(answer(&mut c, "b2").await["type"], "ack", "an exempt room");
    c.send(send(&r, "buy crypto", "l1")).await;
    assert_eq!(answer(&mut c, "l1").await["type"], "ack", "log-only decides nothing");
    // Flagged: delivered, and a case names the stored message.
    c.send(send(&r, "see https://spam.example/x", "f1")).await;
    let ack = answer(&mut c, "f1").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let id = ack["id"].as_i64().expect("id").to_string();
    let opened = loop {
        let ev = staff.expect("event").await;
        if ev["kind"] == "report.opened" {
            break ev["data"].clone();
        }
    };
    assert_eq!((opened["target_id"].as_str(), opened["flagged_by"].as_str()), (Some(id.as_str()), Some("links")));
    let cases: Value = app.get_auth("/api/v1/admin/reports", &moderator).await.json().await.expect("queue");
    assert_eq!(cases["items"][0]["evidence"]["body"], "see https://spam.example/x", "{cases}");
    assert_eq!(cases["items"][0]["report_count"], 1);
    // Over REST too, and the exempt role.
    let path = format!("/api/v1/rooms/{r}/messages");
    let res = app.post_json(&path, &json!({ "body": "a scam" }), Some(&user)).await;
    assert_eq!(res.status(), 422);
    app.post_json(&format!("/api/v1/rooms/{r}/join"), &json!({}), Some(&moderator)).await;
    let res = app.post_json(&path, &json!({ "body": "that was a scam" }), Some(&moderator)).await;
    assert_eq!(res.status(), 201, "moderators are exempt");
    // A bad rule set is refused and the old one stays.
    let state = app.handle.state().clone();
    let mut conn = app.db.conn().await;
    let bad = json!([{ "name": "x", "match": "regex", "patterns": ["("], "action": "block" }]);
    assert!(state.settings.set(&mut conn, veza::settings::AUTOMOD_RULES, bad, None).await.is_err());
    let res = app.post_json(&path, &json!({ "body": "scam again" }), Some(&user)).await;
    assert_eq!(res.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_mutes_the_user_everywhere_on_every_node() {
    let (n1, n2) = two_nodes_with(&[]).await;
    let (_, owner, _) = n1.user("olga").await;
    let (_, user, _) = n1.user("ugo").await;
    let (a, b) = (room(&n1, &owner, "one").await, room(&n1, &owner, "two").await);
    set_rules(&n1, rules()).await;
    let mut c = ChatClient::connect(n1.addr, &user).await;
    c.join(&a, None).await;
    c.join(&b, None).await;
    eventually(Duration::from_secs(3), "node 2 has the rules", || {
        let n2 = &n2;
        async move { (!n2.handle.state().settings.automod().is_empty()).then_some(()) }
    })
    .await;
    c.send(send(&a, "@ann @bob @cid @dan look", "t1")).await;
    let refused = answer(&mut c, "t1").await;
    assert_eq!(refused["code"], "muted", "{refused}");
    c.send(send(&b, "hello", "t2")).await;
    assert_eq!(answer(&mut c, "t2").await["code"], "muted", "every room");
    let path = format!("/api/v1/rooms/{b}/messages");
    eventually(Duration::from_secs(2), "node 2 knows the timeout", || {
        let (n2, path, user) = (&n2, path.clone(), user.clone());
        async move {
            let res = n2.post_json(&path, &json!({ "body": "hi" }), Some(&user)).await;
            (res.status() == 403 || res.status() == 422).then_some(())
        }
    })
    .await;
    let messages = "SELECT count(*) AS n FROM messages";
    assert_eq!(count(&n1, messages).await, 0, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn banned_words_keep_working_as_a_rule_and_floods_time_out() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("olga").await;
    let (_, user, _) = app.user("ugo").await;
    let r = room(&app, &owner, "lobby").await;
    let state = app.handle.state().clone();
    let mut conn = app.db.conn().await;
    state.settings.set(&mut conn, veza::settings::BANNED_WORDS, json!(["scam"]), None).await.expect("words");
    let flood = json!([{ "name": "flood", "match": "flood", "max_messages": 3, "per_secs": 10, "action": "timeout",
        "timeout_secs": 30 }]);
    set_rules(&app, flood).await;
    let mut c = ChatClient::connect(app.addr, &user).await;
    c.join(&r, None).await;
    c.send(send(&r, "a scam", "w0")).await;
    assert_eq!(answer(&mut c, "w0").await["code"], "message_rejected");
    for i in 1..=2 {
        c.send(send(&r, &format!("hi {i}"), &format!("w{i}"))).await;
        assert_eq!(answer(&mut c, &format!("w{i}")).await["type"], "ack");
    }
    c.send(send(&r, "hi 3", "w3")).await;
    assert_eq!(answer(&mut c, "w3").await["code"], "muted", "the fourth send within 10 s (the refused one counts)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_and_track_text_go_through_the_rules() {
    let app = TestApp::spawn().await;
    let (_, seller, _) = app.user("sela").await;
    let (_, root) = crate::market::admin(&app, "root").await;
    set_rules(&app, rules()).await;
    let cat = crate::market::category(&app, "electric-guitars").await;
    let mut body = crate::market::listing_body("Big giveaway", &cat, 1000, "EUR", true);
    let res = app.post_json("/api/v1/listings", &body, Some(&seller)).await;
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.expect("problem");
    assert!(v["errors"]["title"].is_array(), "{v}");
    body["title"] = json!("Telecaster");
    body["description"] = json!("details at https://spam.example/tele");
    let listing = crate::market::create_listing(&app, &seller, &body).await;
    let id = listing["id"].as_str().expect("id").to_owned();
    eventually(Duration::from_secs(3), "a case on the flagged listing", || {
        let (app, root, id) = (&app, &root, id.clone());
        async move {
            let cases: Value = app.get_auth("/api/v1/admin/reports?type=listing", root).await.json().await.ok()?;
            let case = cases["items"].as_array()?.iter().find(|c| c["target_id"] == id.as_str())?.clone();
            (case["flagged_by"] == "links").then_some(())
        }
    })
    .await;
    let path = format!("/api/v1/listings/{id}");
    let (status, _) = crate::market::patch(&app, &seller, &path, &json!({ "title": "scam Telecaster" })).await;
    assert_eq!(status, 422, "an edit too");
    // Tracks: the title.
    let track = crate::tracks::upload(&app, &seller, "tone.mp3").await["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/tracks/{track}");
    let (status, v) = crate::market::patch(&app, &seller, &path, &json!({ "title": "giveaway anthem" })).await;
    assert_eq!(status, 422, "{v}");
    let (status, _) = crate::market::patch(&app, &seller, &path, &json!({ "title": "anthem" })).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_started_during_a_timeout_knows_it() {
    let n1 = TestApp::spawn().await;
    let (_, owner, _) = n1.user("olga").await;
    let (_, user, _) = n1.user("ugo").await;
    let r = room(&n1, &owner, "lobby").await;
    set_rules(&n1, rules()).await;
    let mut c = ChatClient::connect(n1.addr, &user).await;
    c.join(&r, None).await;
    c.send(send(&r, "@ann @bob @cid @dan look", "t1")).await;
    assert_eq!(answer(&mut c, "t1").await["code"], "muted");
    // A node with no broker, started now: it reads the running timeouts when it starts.
    let kept = "SELECT count(*) AS n FROM user_timeouts WHERE until > now()";
    eventually(Duration::from_secs(2), "the timeout is written", || async {
        (count(&n1, kept).await == 1).then_some(())
    })
    .await;
    let cfg = crate::support::app::test_config(&n1.db.url, &[]);
    let n2 = TestApp::start(cfg, n1.db.share()).await;
    let res = n2.post_json(&format!("/api/v1/rooms/{r}/messages"), &json!({ "body": "hi" }), Some(&user)).await;
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!((status, v["code"].as_str()), (422, Some("muted")), "refused as a moderation refusal: {v}");
}
