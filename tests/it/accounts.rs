//! Deleting an account: the owner proves it is them, the account is erased but its row stays
//! for what points at it, and the user is refused everywhere at once, like a suspended one.

use crate::market::{active_listing, admin, count, get_listing, offer};
use crate::support::TestApp;
use crate::support::app::PASSWORD;
use crate::support::ws::ChatClient;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn delete_me(app: &TestApp, token: &str, body: Option<&Value>) -> (u16, Value) {
    let res = app.send_auth(Method::DELETE, "/api/v1/users/me", token, body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Makes every session of `user` as old as a login 11 minutes ago.
async fn age_sessions(app: &TestApp, user: &str) {
    diesel::sql_query("UPDATE auth_sessions SET created_at = now() - interval '11 minutes' WHERE user_id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(user)
        .execute(&mut app.db.conn().await)
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_my_account_needs_my_password_or_a_recent_login() {
    let app = TestApp::spawn().await;
    let (id, token, _) = app.user("olga").await;
    age_sessions(&app, &id).await;
    let (status, p) = delete_me(&app, &token, None).await;
    assert_eq!((status, p["code"].as_str()), (403, Some("reauthentication_required")), "{p}");
    let (status, p) = delete_me(&app, &token, Some(&json!({ "password": "not her password" }))).await;
    assert_eq!((status, p["code"].as_str()), (403, Some("invalid_credentials")), "{p}");
    let (status, p) = delete_me(&app, &token, Some(&json!({ "password": 7 }))).await;
    assert_eq!((status, p["code"].as_str()), (422, Some("validation_failed")), "{p}");
    let res = app
        .client
        .delete(app.url("/api/v1/users/me"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"password\":")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app.client.delete(app.url("/api/v1/users/me")).bearer_auth(&token).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 415, "a body must say it is JSON");
    assert_eq!(app.get_auth("/api/v1/auth/me", &token).await.status(), 200, "still there after every refusal");
    let (status, _) = delete_me(&app, &token, Some(&json!({ "password": PASSWORD }))).await;
    assert_eq!(status, 204);
    // A fresh login needs no password.
    let (_, fresh, _) = app.user("pavel").await;
    assert_eq!(delete_me(&app, &fresh, None).await.0, 204);
    assert_eq!(app.get_auth("/api/v1/users/me", &fresh).await.status(), 401);
}

#[tokio::test]
async fn a_deleted_account_is_erased_and_refused_everywhere_at_once() {
    let app = TestApp::spawn().await;
    let (id, token, refresh) = app.user("doris").await;
    let (_, seller, _) = app.user("sam").await;
    let (_, friend, _) = app.user("fred").await;
    // Her marketplace life: a listing of her own, an offer on Sam's that Sam accepted.
    let hers = active_listing(&app, &token, "Old Fender amp", 40_000).await;
    let sams = active_listing(&app, &seller, "Drum kit", 90_000).await;
    let (status, o) = offer(&app, &token, &sams, 80_000).await;
    assert_eq!(status, 201, "{o}");
    let oid = o["id"].as_str().unwrap().to_owned();
    let accept = app.post_json(&format!("/api/v1/offers/{oid}/accept"), &json!({}), Some(&seller)).await;
    assert_eq!(accept.status(), 200);
    assert_eq!(get_listing(&app, &seller, &sams).await["status"], "reserved");
    let res = app.post_json("/api/v1/users/doris/friend-request", &json!({}), Some(&friend)).await;
    assert_eq!(res.status(), 201);
    let mut ws = ChatClient::connect(app.addr, &token).await;

    assert_eq!(delete_me(&app, &token, None).await.0, 204);

    assert_eq!(ws.close_code(Duration::from_secs(5)).await, Some(1008), "her live socket closes at once");
    for (method, path) in [(Method::GET, "/api/v1/auth/me"), (Method::GET, "/api/v1/users/me/preferences")] {
        assert_eq!(app.send_auth(method, path, &token, None).await.status(), 401, "{path}");
    }
    let room = app.post_json("/api/v1/rooms", &json!({ "name": "Ghost", "visibility": "public" }), Some(&token)).await;
    assert_eq!(room.status(), 401, "no write with her token, and no 500");
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await;
    assert_eq!(res.status(), 401);
    let res = app.post_json("/api/v1/auth/login", &json!({ "login": "doris", "password": PASSWORD }), None).await;
    assert_eq!(res.status(), 401, "no account answers to her name any more");
    assert_eq!(app.get("/api/v1/users/doris").await.status(), 404);
    assert_eq!(app.get(&format!("/api/v1/users/{id}")).await.status(), 404);
    let archived = format!("SELECT count(*) AS n FROM listings WHERE id = '{hers}' AND status = 'archived'");
    assert_eq!(count(&app, &archived).await, 1, "her listing is off the market");
    assert_eq!(get_listing(&app, &seller, &sams).await["status"], "active", "Sam's listing is for sale again");
    let o: Value = app.get_auth(&format!("/api/v1/offers/{oid}"), &seller).await.json().await.unwrap();
    assert_eq!(o["status"], "cancelled");
    let q = |sql: &str| sql.replace("$ID", &id);
    assert_eq!(
        count(
            &app,
            &q("SELECT count(*) AS n FROM users WHERE id = '$ID' AND status = 'deleted' \
                        AND password_hash IS NULL AND display_name IS NULL AND email NOT LIKE '%@%' \
                        AND username LIKE 'deleted-%' AND preferences = '{}'::jsonb")
        )
        .await,
        1,
        "the row stays, nothing personal in it"
    );
    for table in ["friendships WHERE requester_id = '$ID' OR addressee_id = '$ID'", "activity WHERE user_id = '$ID'"] {
        assert_eq!(count(&app, &q(&format!("SELECT count(*) AS n FROM {table}"))).await, 0, "{table}");
    }
    assert_eq!(
        count(&app, &q("SELECT count(*) AS n FROM auth_sessions WHERE user_id = '$ID' AND revoked_at IS NULL")).await,
        0
    );
    assert_eq!(
        count(&app, &q("SELECT count(*) AS n FROM audit_log WHERE action = 'account.deleted' AND target_id = '$ID'"))
            .await,
        1
    );
    // Her name and address are free for someone new.
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({ "email": "doris@example.com", "username": "doris", "password": PASSWORD }),
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn admins_delete_through_the_same_path_and_the_last_admin_stays() {
    let app = TestApp::spawn().await;
    let (root_id, root) = admin(&app, "root").await;
    let (vic, vic_token, _) = app.user("vic").await;
    let (_, eve, _) = app.user("eve").await;
    let path = format!("/api/v1/admin/users/{vic}");
    assert_eq!(app.send_auth(Method::DELETE, &path, &eve, None).await.status(), 403, "users cannot");
    assert_eq!(app.send_auth(Method::DELETE, &path, &root, None).await.status(), 204);
    assert_eq!(app.get_auth("/api/v1/auth/me", &vic_token).await.status(), 401);
    assert_eq!(app.send_auth(Method::DELETE, &path, &root, None).await.status(), 404, "already gone");
    let unknown = format!("/api/v1/admin/users/{}", uuid::Uuid::now_v7());
    assert_eq!(app.send_auth(Method::DELETE, &unknown, &root, None).await.status(), 404);
    // The only admin cannot delete themselves; with a second admin, they can.
    let (status, p) = delete_me(&app, &root, None).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("last_admin")), "{p}");
    let (_, other) = admin(&app, "ops").await;
    assert_eq!(delete_me(&app, &root, None).await.0, 204);
    let root_path = format!("/api/v1/admin/users/{root_id}");
    assert_eq!(app.send_auth(Method::DELETE, &root_path, &other, None).await.status(), 404);
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM audit_log WHERE action = 'account.deleted'").await,
        2,
        "both deletions audited"
    );
}

#[tokio::test]
async fn wrong_passwords_to_delete_an_account_count_like_failed_logins() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("wanda").await;
    for _ in 0..5 {
        let (status, p) = delete_me(&app, &token, Some(&json!({ "password": "not it at all" }))).await;
        assert_eq!((status, p["code"].as_str()), (403, Some("invalid_credentials")), "{p}");
    }
    let (status, p) = delete_me(&app, &token, Some(&json!({ "password": PASSWORD }))).await;
    assert_eq!((status, p["code"].as_str()), (429, Some("rate_limited")), "the account's budget is spent: {p}");
    assert_eq!(app.get_auth("/api/v1/auth/me", &token).await.status(), 200, "and it is still there");
}
