//! Reports and the moderation queue: one case per target (concurrent reports too), the evidence
//! surviving an edit, the queue's orders and pages, claim races, and every resolution's effect.

use crate::admin_users::with_roles;
use crate::market::{active_listing, admin, count, get_listing, offer, patch};
use crate::support::TestApp;
use crate::support::ws::ChatClient;
use crate::tracks::upload;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn moderator(app: &TestApp, name: &str) -> (String, String) {
    with_roles(app, name, "{user,moderator}").await
}

async fn report(app: &TestApp, token: &str, kind: &str, id: &str, reason: &str) -> (u16, Value) {
    let body = json!({ "target_type": kind, "target_id": id, "reason": reason });
    let res = app.post_json("/api/v1/reports", &body, Some(token)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn queue(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let res = app.get_auth(&format!("/api/v1/admin/reports{query}"), token).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn case_of(app: &TestApp, token: &str, target: &str) -> Value {
    let (status, v) = queue(app, token, "?limit=100").await;
    assert_eq!(status, 200, "{v}");
    v["items"].as_array().and_then(|a| a.iter().find(|c| c["target_id"] == target).cloned()).unwrap_or(Value::Null)
}

async fn claim(app: &TestApp, token: &str, case: &str) -> (u16, Value) {
    let res = app.post_json(&format!("/api/v1/admin/reports/{case}/claim"), &json!({}), Some(token)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn resolve(app: &TestApp, token: &str, case: &str, body: Value) -> (u16, Value) {
    let res = app.post_json(&format!("/api/v1/admin/reports/{case}/resolve"), &body, Some(token)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A frame of `kind` on the user channel.
async fn event(c: &mut ChatClient, kind: &str) -> Value {
    loop {
        let ev = c.expect("event").await;
        if ev["kind"] == kind {
            return ev["data"].clone();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_one_thing_make_one_case_that_keeps_the_evidence() {
    let app = TestApp::spawn().await;
    let (_, moderator) = moderator(&app, "mona").await;
    let mut live = ChatClient::connect(app.addr, &moderator).await;
    let (_, seller, _) = app.user("sela").await;
    let listing = active_listing(&app, &seller, "Fake Stratocaster", 50_000).await;
    // Eight users at once: one case, eight reports.
    let mut reporters = Vec::new();
    for i in 0..8 {
        reporters.push(app.user(&format!("rep{i}")).await.1);
    }
    let filed =
        futures_util::future::join_all(reporters.iter().map(|t| report(&app, t, "listing", &listing, "spam"))).await;
    assert!(filed.iter().all(|(s, _)| *s == 201), "{filed:?}");
    let (status, v) = report(&app, &reporters[0], "listing", &listing, "hate").await;
    assert_eq!((status, &v["counted"]), (200, &json!(false)), "a reporter counts once: {v}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM report_cases").await, 1);
    let opened = event(&mut live, "report.opened").await;
    assert_eq!(opened["target_id"], listing.as_str());
    // The seller edits the listing: the case keeps what was reported.
    let (status, _) =
        patch(&app, &seller, &format!("/api/v1/listings/{listing}"), &json!({ "title": "Genuine" })).await;
    assert_eq!(status, 200);
    let case = case_of(&app, &moderator, &listing).await;
    assert_eq!((case["report_count"].as_i64(), case["reports"].as_array().map(Vec::len)), (Some(8), Some(8)));
    assert_eq!(case["evidence"]["title"], "Fake Stratocaster", "{case}");
    assert_eq!(case["target_owner"]["username"], "sela");
    // Yourself, your own content, what you cannot see, and bad input.
    let (status, v) = report(&app, &seller, "listing", &listing, "spam").await;
    assert_eq!((status, v["errors"]["target_id"].is_array()), (422, true), "{v}");
    let seller_id = get_listing(&app, &seller, &listing).await["seller"]["id"].as_str().expect("id").to_owned();
    assert_eq!(report(&app, &seller, "user", &seller_id, "spam").await.0, 422);
    let draft = crate::market::create_listing(
        &app,
        &seller,
        &crate::market::listing_body(
            "Secret",
            &crate::market::category(&app, "electric-guitars").await,
            1,
            "EUR",
            false,
        ),
    )
    .await;
    let draft = draft["id"].as_str().expect("id");
    assert_eq!(report(&app, &reporters[1], "listing", draft, "spam").await.0, 404, "a draft is not seen");
    assert_eq!(report(&app, &reporters[1], "message", "not-a-number", "spam").await.0, 422);
    assert_eq!(report(&app, &reporters[1], "listing", &listing, "boring").await.0 / 100, 4);
    assert_eq!(app.post_json("/api/v1/reports", &json!({}), None).await.status(), 401);
    // A user never sees the queue.
    assert_eq!(queue(&app, &reporters[0], "").await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporters_are_limited_per_hour() {
    let app = TestApp::spawn_with(&[("VEZA__REPORTS__PER_REPORTER_PER_HOUR", "2")]).await;
    let (_, pest, _) = app.user("pest").await;
    let mut last = 0;
    for i in 0..3 {
        let (id, _, _) = app.user(&format!("target{i}")).await;
        last = report(&app, &pest, "user", &id, "other").await.0;
    }
    assert_eq!(last, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_orders_by_priority_or_age_and_pages() {
    let app = TestApp::spawn().await;
    let (_, moderator) = moderator(&app, "mona").await;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(app.user(&format!("user{i}")).await);
    }
    // u1's profile: 1 report (oldest); u2's: 3 reports; u3's: 2 reports.
    report(&app, &users[0].1, "user", &users[1].0, "spam").await;
    for r in [0, 1, 3] {
        report(&app, &users[r].1, "user", &users[2].0, "harassment").await;
    }
    for r in [0, 1] {
        report(&app, &users[r].1, "user", &users[3].0, "impersonation").await;
    }
    let order = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .map(|a| a.iter().map(|c| c["target_id"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    };
    let (u1, u2, u3) = (users[1].0.clone(), users[2].0.clone(), users[3].0.clone());
    assert_eq!(order(&queue(&app, &moderator, "").await.1), [u2.clone(), u3.clone(), u1.clone()]);
    assert_eq!(order(&queue(&app, &moderator, "?sort=age").await.1), [u1.clone(), u2.clone(), u3.clone()]);
    assert!(order(&queue(&app, &moderator, "?type=listing").await.1).is_empty());
    let (_, first) = queue(&app, &moderator, "?limit=2").await;
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, rest) = queue(&app, &moderator, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!((order(&first), order(&rest)), (vec![u2, u3], vec![u1]));
    assert_eq!(rest["next_cursor"], Value::Null);
    for bad in ["?sort=loudest", "?status=maybe", "?cursor=zz", "?type=song"] {
        let (status, v) = queue(&app, &moderator, bad).await;
        assert!((400..500).contains(&status) && v["code"].is_string(), "{bad}: {status} {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_moderators_claiming_at_once_one_wins_until_the_claim_expires() {
    let app = TestApp::spawn_with(&[("VEZA__REPORTS__CLAIM_TTL_SECS", "2")]).await;
    let (_, m1) = moderator(&app, "mona").await;
    let (_, m2) = moderator(&app, "milo").await;
    let (_, r, _) = app.user("rita").await;
    let (target, _, _) = app.user("tom").await;
    report(&app, &r, "user", &target, "spam").await;
    let case = case_of(&app, &m1, &target).await["id"].as_str().expect("case").to_owned();
    let (a, b) = tokio::join!(claim(&app, &m1, &case), claim(&app, &m2, &case));
    let statuses = [a.0, b.0];
    assert!(statuses.contains(&200) && statuses.contains(&409), "{a:?} {b:?}");
    let (winner, loser) = if a.0 == 200 { (&m1, &m2) } else { (&m2, &m1) };
    let lost = if a.0 == 200 { &b } else { &a };
    assert_eq!(lost.1["code"], "case_claimed");
    let (status, v) = resolve(&app, loser, &case, json!({ "action": "dismiss" })).await;
    assert_eq!((status, v["code"].as_str()), (409, Some("case_claimed")), "{v}");
    assert_eq!(claim(&app, winner, &case).await.0, 200, "the holder may claim again");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(claim(&app, loser, &case).await.0, 200, "an expired claim is free");
    let (status, v) = resolve(&app, loser, &case, json!({ "action": "dismiss", "note": "fine" })).await;
    assert_eq!((status, &v["status"], &v["resolution"]), (200, &json!("resolved"), &json!("dismiss")), "{v}");
    let (status, v) = resolve(&app, winner, &case, json!({ "action": "dismiss" })).await;
    assert_eq!((status, v["code"].as_str()), (409, Some("case_resolved")));
    assert_eq!(claim(&app, winner, &case).await.0, 409);
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(claim(&app, winner, &unknown.to_string()).await.0, 404);
    // A new report on the same target opens a new case.
    let (_, r2, _) = app.user("rex").await;
    assert_eq!(report(&app, &r2, "user", &target, "spam").await.0, 201);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM report_cases").await, 2);
    let audited = "SELECT count(*) AS n FROM audit_log WHERE action IN ('report.claimed', 'report.resolved')";
    assert_eq!(count(&app, audited).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_message_deletes_it_in_the_live_room_and_tells_the_reporter() {
    let app = TestApp::spawn().await;
    let (_, moderator) = moderator(&app, "mona").await;
    let (_, author, _) = app.user("amy").await;
    let (_, reader, _) = app.user("rob").await;
    let res = app.post_json("/api/v1/rooms", &json!({ "name": "lounge", "visibility": "public" }), Some(&author)).await;
    let room = res.json::<Value>().await.expect("room")["id"].as_str().expect("id").to_owned();
    app.post_json(&format!("/api/v1/rooms/{room}/join"), &json!({}), Some(&reader)).await;
    let res =
        app.post_json(&format!("/api/v1/rooms/{room}/messages"), &json!({ "body": "buy pills" }), Some(&author)).await;
    let msg = res.json::<Value>().await.expect("message");
    let id = msg["id"].as_i64().expect("id").to_string();
    let mut live = ChatClient::connect(app.addr, &reader).await;
    live.join(&room, None).await;
    let mut amy = ChatClient::connect(app.addr, &author).await;
    assert_eq!(report(&app, &reader, "message", &id, "spam").await.0, 201);
    let case = case_of(&app, &moderator, &id).await;
    assert_eq!(case["evidence"]["body"], "buy pills", "{case}");
    let case = case["id"].as_str().expect("case").to_owned();
    let (status, v) = resolve(&app, &moderator, &case, json!({ "action": "remove_content" })).await;
    assert_eq!(status, 200, "{v}");
    // Both reach the reporter, in either order.
    let (mut deleted, mut told) = (None, None);
    while deleted.is_none() || told.is_none() {
        let frame = live.next(Duration::from_secs(10)).await.expect("a frame");
        match frame["type"].as_str() {
            Some("message_deleted") => deleted = Some(frame),
            Some("event") if frame["kind"] == "report.resolved" => told = Some(frame["data"].clone()),
            _ => {}
        }
    }
    let (d, told) = (deleted.unwrap_or_default(), told.unwrap_or_default());
    assert_eq!(d["seq"], msg["seq"]);
    assert_eq!((told["action"].as_str(), told["target_id"].as_str()), (Some("remove_content"), Some(id.as_str())));
    assert!(told.get("reporters").is_none() && told.get("reports").is_none());
    let told = event(&mut amy, "report.resolved").await;
    assert_eq!(told["action"], "remove_content", "the author hears the outcome");
    let history: Value =
        app.get_auth(&format!("/api/v1/rooms/{room}/messages"), &reader).await.json().await.expect("history");
    let gone = history["items"].as_array().and_then(|a| a.iter().find(|m| m["seq"] == msg["seq"]).cloned());
    assert!(gone.is_some_and(|m| m["body"].is_null()), "{history}");
    // Deleted evidence stays on the case.
    let (_, v) = queue(&app, &moderator, "?status=resolved").await;
    assert_eq!(v["items"][0]["evidence"]["body"], "buy pills");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_listing_ends_its_offers_and_hides_it() {
    let app = TestApp::spawn().await;
    let (_, moderator) = moderator(&app, "mona").await;
    let (_, seller, _) = app.user("sela").await;
    let (_, buyer, _) = app.user("bea").await;
    let listing = active_listing(&app, &seller, "Stolen bass", 40_000).await;
    let (status, o) = offer(&app, &buyer, &listing, 30_000).await;
    assert_eq!(status, 201, "{o}");
    let mut bea = ChatClient::connect(app.addr, &buyer).await;
    report(&app, &buyer, "listing", &listing, "illegal").await;
    let case = case_of(&app, &moderator, &listing).await["id"].as_str().expect("case").to_owned();
    let (status, v) = resolve(&app, &moderator, &case, json!({ "action": "remove_content" })).await;
    assert_eq!(status, 200, "{v}");
    let pushed = event(&mut bea, "offer.updated").await;
    assert_eq!(pushed["status"], "expired");
    assert_eq!(get_listing(&app, &seller, &listing).await["status"], "removed", "the seller still sees it");
    assert_eq!(app.get_auth(&format!("/api/v1/listings/{listing}"), &buyer).await.status(), 404);
    let res = app.post_json(&format!("/api/v1/listings/{listing}/reactivate"), &json!({}), Some(&seller)).await;
    assert_eq!(res.status(), 409, "removed is final");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracks_playlists_and_profiles_are_hidden_or_cleared() {
    let app = TestApp::spawn().await;
    let (_, moderator) = moderator(&app, "mona").await;
    let (owner_id, owner, _) = app.user("olly").await;
    let (_, other, _) = app.user("pia").await;
    let track = upload(&app, &owner, "tone.mp3").await["id"].as_str().expect("id").to_owned();
    let res = app.post_json("/api/v1/playlists", &json!({ "name": "Hits", "public": true }), Some(&owner)).await;
    let playlist = res.json::<Value>().await.expect("playlist")["id"].as_str().expect("id").to_owned();
    let res = app
        .send_auth(
            Method::PATCH,
            "/api/v1/users/me",
            &owner,
            Some(&json!({ "bio": "rude words", "display_name": "Olly" })),
        )
        .await;
    assert_eq!(res.status(), 200);
    for (kind, id) in [("track", &track), ("playlist", &playlist), ("user", &owner_id)] {
        assert_eq!(report(&app, &other, kind, id, "hate").await.0, 201, "{kind}");
        let case = case_of(&app, &moderator, id).await["id"].as_str().expect("case").to_owned();
        let (status, v) = resolve(&app, &moderator, &case, json!({ "action": "remove_content" })).await;
        assert_eq!(status, 200, "{kind}: {v}");
    }
    assert_eq!(app.get_auth(&format!("/api/v1/tracks/{track}"), &other).await.status(), 404);
    assert_eq!(app.get_auth(&format!("/api/v1/tracks/{track}"), &owner).await.status(), 200, "its owner still sees it");
    assert_eq!(app.get_auth(&format!("/api/v1/playlists/{playlist}"), &other).await.status(), 404);
    assert_eq!(app.get_auth(&format!("/api/v1/playlists/{playlist}"), &owner).await.status(), 200);
    let profile: Value = app.get(&format!("/api/v1/users/{owner_id}")).await.json().await.expect("profile");
    assert_eq!((&profile["bio"], &profile["display_name"]), (&Value::Null, &Value::Null), "{profile}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_suspensions_and_bans_follow_the_roles() {
    let app = TestApp::spawn().await;
    let (_, moderator) = moderator(&app, "mona").await;
    let (_, root) = admin(&app, "root").await;
    let (troll_id, troll, _) = app.user("troll").await;
    let (_, r, _) = app.user("rita").await;
    let mut live = ChatClient::connect(app.addr, &troll).await;
    report(&app, &r, "user", &troll_id, "harassment").await;
    let case = case_of(&app, &moderator, &troll_id).await["id"].as_str().expect("case").to_owned();
    let (status, v) = resolve(&app, &moderator, &case, json!({ "action": "warn", "note": "be kind" })).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(event(&mut live, "moderation.warning").await["note"], "be kind");
    let warned = format!("SELECT count(*) AS n FROM user_warnings WHERE user_id = '{troll_id}'");
    assert_eq!(count(&app, &warned).await, 1, "kept on the user");

    report(&app, &r, "user", &troll_id, "harassment").await;
    let case = case_of(&app, &moderator, &troll_id).await["id"].as_str().expect("case").to_owned();
    let (status, v) = resolve(&app, &moderator, &case, json!({ "action": "ban_user" })).await;
    assert_eq!((status, v["code"].as_str()), (403, Some("forbidden")), "bans are admins': {v}");
    let body = json!({ "action": "suspend_user", "duration_secs": 3600, "note": "a break" });
    assert_eq!(resolve(&app, &moderator, &case, body).await.0, 200);
    assert_eq!(app.get_auth("/api/v1/users/me", &troll).await.status(), 401);
    let until = "SELECT count(*) AS n FROM users WHERE status = 'suspended' AND suspended_until > now() + interval '59 minutes'";
    assert_eq!(count(&app, until).await, 1);

    // A moderator cannot suspend staff through a report either.
    let (admin_id, _) = admin(&app, "boss").await;
    report(&app, &r, "user", &admin_id, "other").await;
    let case = case_of(&app, &moderator, &admin_id).await["id"].as_str().expect("case").to_owned();
    let (status, _) = resolve(&app, &moderator, &case, json!({ "action": "suspend_user" })).await;
    assert_eq!(status, 403);
    let (status, v) = resolve(&app, &root, &case, json!({ "action": "ban_user", "duration_secs": 60 })).await;
    assert_eq!(status, 422, "a duration is for suspensions: {v}");
    let (status, v) = resolve(&app, &root, &case, json!({ "action": "ban_user" })).await;
    assert_eq!((status, &v["resolution"]), (200, &json!("ban_user")), "{v}");
    let banned = format!("SELECT count(*) AS n FROM users WHERE id = '{admin_id}' AND status = 'banned'");
    assert_eq!(count(&app, &banned).await, 1);
}
