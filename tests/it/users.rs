//! Profiles, preferences, friends, blocks, activity, and who may touch what.

use crate::support::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

async fn body(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn profiles_are_public_and_editable_by_their_owner() {
    let app = TestApp::spawn().await;
    let (id, token, _) = app.user("vera").await;
    let patch = json!({ "display_name": "Vera V", "bio": "Synths and tape loops", "avatar_url": "https://cdn.example/v.png", "location": "Lyon" });
    let (status, own) = body(app.send_auth(Method::PATCH, "/api/v1/users/me", &token, Some(&patch)).await).await;
    assert_eq!(status, 200);
    assert_eq!(own["location"], "Lyon");
    assert_eq!(own["email"], "vera@example.com", "the owner sees the email");

    for key in [id.as_str(), "vera", "VERA"] {
        let (status, public) = body(app.get(&format!("/api/v1/users/{key}")).await).await;
        assert_eq!(status, 200, "{key}");
        assert_eq!(public["display_name"], "Vera V");
        assert_eq!(public["bio"], "Synths and tape loops");
        assert!(public.get("email").is_none(), "no email in public profiles: {public}");
        assert!(public.get("location").is_none());
    }
    assert_eq!(app.get("/api/v1/users/nobody-here").await.status(), 404);

    let (status, cleared) =
        body(app.send_auth(Method::PATCH, "/api/v1/users/me", &token, Some(&json!({ "bio": "" }))).await).await;
    assert_eq!(status, 200);
    assert!(cleared["bio"].is_null() && cleared["display_name"] == "Vera V", "clears one field, keeps the rest");

    let bad = json!({ "avatar_url": "javascript:alert(1)" });
    let (status, p) = body(app.send_auth(Method::PATCH, "/api/v1/users/me", &token, Some(&bad)).await).await;
    assert_eq!(status, 422);
    assert!(p["errors"]["avatar_url"].is_array());
    assert_eq!(app.client.patch(app.url("/api/v1/users/me")).json(&patch).send().await.expect("sent").status(), 401);
}

#[tokio::test]
async fn preferences_are_an_object_of_at_most_16_kib_and_private() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("wes").await;
    let (_, b, _) = app.user("xia").await;
    let prefs = json!({ "theme": "dark", "notify": { "offers": true } });
    let (status, saved) =
        body(app.send_auth(Method::PUT, "/api/v1/users/me/preferences", &a, Some(&prefs)).await).await;
    assert_eq!((status, saved.clone()), (200, prefs.clone()));
    let (_, got) = body(app.get_auth("/api/v1/users/me/preferences", &a).await).await;
    assert_eq!(got, prefs);
    let (_, other) = body(app.get_auth("/api/v1/users/me/preferences", &b).await).await;
    assert_eq!(other, json!({}), "B sees only B's preferences");

    let (status, p) =
        body(app.send_auth(Method::PUT, "/api/v1/users/me/preferences", &a, Some(&json!([1, 2]))).await).await;
    assert_eq!((status, p["code"].as_str()), (422, Some("validation_failed")));
    let big = json!({ "blob": "x".repeat(17 * 1024) });
    let (status, p) = body(app.send_auth(Method::PUT, "/api/v1/users/me/preferences", &a, Some(&big)).await).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("payload_too_large")));
}

#[tokio::test]
async fn friend_requests_accept_decline_cancel_unfriend() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("yann").await;
    let (b_id, b, _) = app.user("zoe").await;
    let (c_id, c, _) = app.user("abe").await;

    let (status, r) =
        body(app.post_json(&format!("/api/v1/users/{b_id}/friend-request"), &json!({}), Some(&a)).await).await;
    assert_eq!((status, r["status"].as_str()), (201, Some("pending")));
    let (status, p) =
        body(app.post_json(&format!("/api/v1/users/{b_id}/friend-request"), &json!({}), Some(&a)).await).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("request_pending")));
    let (status, _) =
        body(app.post_json(&format!("/api/v1/users/{a_id}/friend-request"), &json!({}), Some(&b)).await).await;
    assert_eq!(status, 409, "pending the other way too");

    let (_, fa) = body(app.get_auth("/api/v1/users/me/friends", &a).await).await;
    assert_eq!(fa["outgoing"][0]["user"]["username"], "zoe");
    let (_, fb) = body(app.get_auth("/api/v1/users/me/friends", &b).await).await;
    assert_eq!(fb["incoming"][0]["user"]["id"], a_id.as_str());

    // C cannot accept a request addressed to B; A cannot accept their own request.
    let path = format!("/api/v1/users/me/friends/{a_id}/accept");
    assert_eq!(app.post_json(&path, &json!({}), Some(&c)).await.status(), 404);
    assert_eq!(
        app.post_json(&format!("/api/v1/users/me/friends/{b_id}/accept"), &json!({}), Some(&a)).await.status(),
        404
    );
    let (status, fb) = body(app.post_json(&path, &json!({}), Some(&b)).await).await;
    assert_eq!(status, 200);
    assert_eq!(fb["friends"][0]["user"]["username"], "yann");
    let (status, p) =
        body(app.post_json(&format!("/api/v1/users/{b_id}/friend-request"), &json!({}), Some(&a)).await).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("already_friends")));

    // Unfriend; then C asks A and A declines.
    assert_eq!(
        app.send_auth(Method::DELETE, &format!("/api/v1/users/me/friends/{a_id}"), &b, None).await.status(),
        204
    );
    let (_, fa) = body(app.get_auth("/api/v1/users/me/friends", &a).await).await;
    assert_eq!(fa["friends"], json!([]));
    app.post_json(&format!("/api/v1/users/{a_id}/friend-request"), &json!({}), Some(&c)).await;
    assert_eq!(
        app.send_auth(Method::DELETE, &format!("/api/v1/users/me/friends/{c_id}"), &a, None).await.status(),
        204
    );
    assert_eq!(
        app.send_auth(Method::DELETE, &format!("/api/v1/users/me/friends/{c_id}"), &a, None).await.status(),
        404
    );
    assert_eq!(
        app.post_json(&format!("/api/v1/users/{a_id}/friend-request"), &json!({}), Some(&a)).await.status(),
        422
    );
}

#[tokio::test]
async fn a_block_stops_friend_requests_both_ways_and_ends_friendship() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("bea").await;
    let (b_id, b, _) = app.user("cal").await;
    app.post_json(&format!("/api/v1/users/{b_id}/friend-request"), &json!({}), Some(&a)).await;
    assert_eq!(app.post_json(&format!("/api/v1/users/{b_id}/block"), &json!({}), Some(&a)).await.status(), 204);
    let (_, blocks) = body(app.get_auth("/api/v1/users/me/blocks", &a).await).await;
    assert_eq!(blocks["items"][0]["user"]["username"], "cal");
    let (_, fb) = body(app.get_auth("/api/v1/users/me/friends", &b).await).await;
    assert_eq!(fb["incoming"], json!([]), "the pending request is gone");

    let (status, p) =
        body(app.post_json(&format!("/api/v1/users/{a_id}/friend-request"), &json!({}), Some(&b)).await).await;
    assert_eq!((status, p["code"].as_str()), (403, Some("blocked")), "the blocked user cannot reach the blocker");
    let (status, _) =
        body(app.post_json(&format!("/api/v1/users/{b_id}/friend-request"), &json!({}), Some(&a)).await).await;
    assert_eq!(status, 403, "nor the blocker the blocked");

    assert_eq!(app.send_auth(Method::DELETE, &format!("/api/v1/users/{b_id}/block"), &a, None).await.status(), 204);
    let (status, _) =
        body(app.post_json(&format!("/api/v1/users/{a_id}/friend-request"), &json!({}), Some(&b)).await).await;
    assert_eq!(status, 201, "unblocked");
}

#[tokio::test]
async fn activity_is_private_newest_first_and_paginated() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("dina").await;
    let (_, b, _) = app.user("eli").await;
    for i in 0..3 {
        let patch = json!({ "bio": format!("bio {i}") });
        app.send_auth(Method::PATCH, "/api/v1/users/me", &a, Some(&patch)).await;
    }
    let (status, page1) = body(app.get_auth("/api/v1/users/me/activity?limit=2", &a).await).await;
    assert_eq!(status, 200);
    let items = page1["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "profile.updated");
    assert!(items[0]["id"].as_i64() > items[1]["id"].as_i64(), "newest first");
    let cursor = page1["next_cursor"].as_str().expect("more pages");
    let (_, page2) = body(app.get_auth(&format!("/api/v1/users/me/activity?limit=2&cursor={cursor}"), &a).await).await;
    let rest = page2["items"].as_array().expect("items");
    assert_eq!(rest.len(), 2, "one more update and the registration");
    assert_eq!(rest[1]["kind"], "account.registered");
    assert!(page2["next_cursor"].is_null() || rest.len() == 2);

    let (_, other) = body(app.get_auth("/api/v1/users/me/activity", &b).await).await;
    assert_eq!(other["items"].as_array().map(Vec::len), Some(1), "B sees only B's own history");
    assert_eq!(app.get_auth("/api/v1/users/me/activity?limit=500", &a).await.status(), 422);
    assert_eq!(app.get_auth("/api/v1/users/me/activity?cursor=zzz", &a).await.status(), 422);
}
