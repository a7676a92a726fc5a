//! Auth: register, login, refresh rotation and reuse, logout, sessions, forged tokens, key
//! rotation, bans, login limits.

use crate::support::TestApp;
use crate::support::app::{PASSWORD, eventually};
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn code_of(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn register_then_me_and_the_documented_conflicts_and_rules() {
    let app = TestApp::spawn().await;
    let body = app.register("alice").await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["username"], "alice");
    assert_eq!(body["user"]["roles"], json!(["user"]));
    let token = body["access_token"].as_str().expect("token");
    assert!(body["refresh_token"].as_str().is_some_and(|t| t.len() >= 43), "256-bit refresh token");

    let me: Value = app.get_auth("/api/v1/auth/me", token).await.json().await.expect("json");
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["id"], body["user"]["id"]);

    let again = |email: &str, username: &str, password: &str| json!({ "email": email, "username": username, "password": password });
    let res = app.post_json("/api/v1/auth/register", &again("alice@EXAMPLE.com", "alice2", PASSWORD), None).await;
    assert_eq!(code_of(res).await, (409, "email_taken".into()), "email domains compare case-insensitively");
    let res = app.post_json("/api/v1/auth/register", &again("other@example.com", "ALICE", PASSWORD), None).await;
    assert_eq!(code_of(res).await, (409, "username_taken".into()), "usernames are lowercased");

    for (email, username, password, field) in [
        ("bob@example.com", "bob", "short", "password"),
        ("bob@example.com", "bob", "bob@example.com", "password"),
        ("bob@example.com", "bobbobbobbob", "bobbobbobbob", "password"),
        ("not-an-email", "bob", PASSWORD, "email"),
        ("bob@example.com", "b!", PASSWORD, "username"),
    ] {
        let res = app.post_json("/api/v1/auth/register", &again(email, username, password), None).await;
        assert_eq!(res.status(), 422, "{email} {username} {password}");
        let p: Value = res.json().await.expect("json");
        assert!(p["errors"][field].is_array(), "{field}: {p}");
    }
}

#[tokio::test]
async fn login_by_email_or_username_and_identical_refusals() {
    let app = TestApp::spawn().await;
    app.register("carol").await;
    for login in ["carol", "CAROL", "carol@example.com", " Carol@Example.com "] {
        let res = app.post_json("/api/v1/auth/login", &json!({ "login": login, "password": PASSWORD }), None).await;
        assert_eq!(res.status(), 200, "{login}");
    }
    let wrong =
        app.post_json("/api/v1/auth/login", &json!({ "login": "carol", "password": "wrong password!" }), None).await;
    let unknown =
        app.post_json("/api/v1/auth/login", &json!({ "login": "nobody", "password": "wrong password!" }), None).await;
    let (a, b): (Value, Value) = (wrong.json().await.expect("json"), unknown.json().await.expect("json"));
    assert_eq!(a["code"], "invalid_credentials");
    assert_eq!(a, b, "unknown user and wrong password answer identically");
}

#[tokio::test]
async fn unauthenticated_and_garbage_tokens_are_401() {
    let app = TestApp::spawn().await;
    assert_eq!(code_of(app.get("/api/v1/auth/me").await).await, (401, "unauthenticated".into()));
    assert_eq!(code_of(app.get_auth("/api/v1/auth/me", "not.a.jwt").await).await, (401, "token_invalid".into()));
}

#[tokio::test]
async fn refresh_rotates_and_a_recent_replay_recovers_without_forking() {
    let app = TestApp::spawn().await;
    let (_, _, r1) = app.user("dave").await;
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await;
    assert_eq!(res.status(), 200);
    let p2: Value = res.json().await.expect("json");
    let r2 = p2["refresh_token"].as_str().expect("r2").to_owned();
    assert_ne!(r1, r2);
    // The client lost that reply and retries with r1 within the grace: a fresh pair, same session.
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await;
    assert_eq!(res.status(), 200);
    let p3: Value = res.json().await.expect("json");
    let r3 = p3["refresh_token"].as_str().expect("r3").to_owned();
    let access = p3["access_token"].as_str().expect("access");
    let sessions: Value = app.get_auth("/api/v1/auth/sessions", access).await.json().await.expect("json");
    assert_eq!(sessions["items"].as_array().map(Vec::len), Some(1), "one session: {sessions}");
    assert_eq!(live_tokens(&app).await, 1, "exactly one live refresh token");
    // r3 is the live one and keeps working.
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r3 }), None).await;
    assert_eq!(res.status(), 200);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn live_tokens(app: &TestApp) -> i64 {
    let c: Count = diesel::sql_query("SELECT count(*) AS n FROM refresh_tokens WHERE superseded_at IS NULL")
        .get_result(&mut app.db.conn().await)
        .await
        .expect("count");
    c.n
}

#[tokio::test]
async fn reuse_after_the_grace_revokes_the_whole_session() {
    let app = TestApp::spawn_with(&[("VEZA__JWT__REFRESH_REUSE_GRACE_SECS", "1")]).await;
    let (_, _, r1) = app.user("erin").await;
    let p2: Value =
        app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await.json().await.expect("json");
    let (r2, a2) = (p2["refresh_token"].as_str().expect("r2"), p2["access_token"].as_str().expect("a2"));
    assert_eq!(app.get_auth("/api/v1/auth/me", a2).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await;
    assert_eq!(code_of(res).await, (401, "refresh_token_reused".into()));
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r2 }), None).await;
    assert_eq!(code_of(res).await, (401, "token_invalid".into()), "the newest token dies too");
    assert_eq!(
        code_of(app.get_auth("/api/v1/auth/me", a2).await).await,
        (401, "token_invalid".into()),
        "and its access token"
    );
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_do_not_fork_the_session() {
    let app = TestApp::spawn().await;
    let (_, _, r1) = app.user("frank").await;
    let body = json!({ "refresh_token": r1 });
    let (a, b) = tokio::join!(
        app.post_json("/api/v1/auth/refresh", &body, None),
        app.post_json("/api/v1/auth/refresh", &body, None)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert_eq!(live_tokens(&app).await, 1);
    let sessions: Count = diesel::sql_query("SELECT count(*) AS n FROM auth_sessions WHERE revoked_at IS NULL")
        .get_result(&mut app.db.conn().await)
        .await
        .expect("count");
    assert_eq!(sessions.n, 1);
}

#[tokio::test]
async fn logout_and_logout_all_kill_refresh_and_access_tokens() {
    let app = TestApp::spawn().await;
    let (_, a1, r1) = app.user("gina").await;
    let p2: Value = app
        .post_json("/api/v1/auth/login", &json!({ "login": "gina", "password": PASSWORD }), None)
        .await
        .json()
        .await
        .expect("json");
    let (a2, r2) = (p2["access_token"].as_str().expect("a2"), p2["refresh_token"].as_str().expect("r2"));

    let res = app.post_json("/api/v1/auth/logout", &json!({ "refresh_token": r1 }), Some(&a1)).await;
    assert_eq!(res.status(), 204);
    assert_eq!(code_of(app.get_auth("/api/v1/auth/me", &a1).await).await.0, 401, "its access token died");
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(app.get_auth("/api/v1/auth/me", a2).await.status(), 200, "the other session lives");

    let res = app.post_json("/api/v1/auth/logout-all", &json!({}), Some(a2)).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get_auth("/api/v1/auth/me", a2).await.status(), 401);
    assert_eq!(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r2 }), None).await.status(), 401);
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_only_by_their_owner() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = app.user("hana").await;
    let (_, bob, _) = app.user("ivan").await;
    let list: Value = app.get_auth("/api/v1/auth/sessions", &alice).await.json().await.expect("json");
    let item = &list["items"][0];
    assert_eq!(item["current"], true);
    assert!(item["created_at"].is_string() && item["last_used_at"].is_string());
    assert_eq!(item["ip"], "127.0.0.1");
    let sid = item["id"].as_str().expect("id");
    let path = format!("/api/v1/auth/sessions/{sid}");
    let res = app.send_auth(Method::DELETE, &path, &bob, None).await;
    assert_eq!(res.status(), 404, "not bob's session");
    assert_eq!(app.send_auth(Method::DELETE, &path, &alice, None).await.status(), 204);
    assert_eq!(app.get_auth("/api/v1/auth/me", &alice).await.status(), 401);
}

#[tokio::test]
async fn a_banned_user_cannot_log_in_or_refresh_and_their_token_dies() {
    let app = TestApp::spawn().await;
    let (id, access, refresh) = app.user("jack").await;
    diesel::sql_query("UPDATE users SET status = 'banned' WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut app.db.conn().await)
        .await
        .expect("ban");
    let res = app.post_json("/api/v1/auth/login", &json!({ "login": "jack", "password": PASSWORD }), None).await;
    assert_eq!(code_of(res).await, (403, "account_disabled".into()));
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await;
    assert_eq!(code_of(res).await, (403, "account_disabled".into()));
    eventually(Duration::from_secs(5), "access token refused", || async {
        (app.get_auth("/api/v1/auth/me", &access).await.status() == 401).then_some(())
    })
    .await;
}

#[tokio::test]
async fn login_is_limited_per_ip_and_per_account_failures() {
    let app = TestApp::spawn_with(&[
        ("VEZA__AUTH__LOGIN_IP_PER_MINUTE", "4"),
        ("VEZA__AUTH__LOGIN_FAILURES_PER_ACCOUNT", "2"),
    ])
    .await;
    app.register("kim").await;
    let app = &app;
    let attempt = |password: &'static str| async move {
        app.post_json("/api/v1/auth/login", &json!({ "login": "kim", "password": password }), None).await
    };
    assert_eq!(attempt("wrong password 1").await.status(), 401);
    assert_eq!(attempt("wrong password 2").await.status(), 401);
    let res = attempt(PASSWORD).await;
    assert_eq!(res.status(), 429, "the account is locked even for the right password");
    assert!(res.headers().get("retry-after").is_some());
    let res = attempt(PASSWORD).await;
    assert_eq!(code_of(res).await, (429, "rate_limited".into()), "and the IP budget (4/min) is spent too");
}

#[tokio::test]
async fn jwks_publishes_the_current_key() {
    let app = TestApp::spawn().await;
    let (_, access, _) = app.user("lena").await;
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.expect("json");
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    let header = jsonwebtoken::decode_header(&access).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    // The published key really verifies our tokens.
    let dk = jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().expect("x")).expect("key");
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    v.set_audience(&["veza-api"]);
    v.set_issuer(&["veza"]);
    let claims = jsonwebtoken::decode::<Value>(&access, &dk, &v).expect("verifies with the JWK").claims;
    for c in ["sub", "roles", "sid", "exp", "iat", "jti", "iss", "aud"] {
        assert!(!claims[c].is_null(), "claim {c}: {claims}");
    }
}

#[derive(QueryableByName)]
struct Action {
    #[diesel(sql_type = diesel::sql_types::Text)]
    action: String,
}

#[tokio::test]
async fn auth_events_are_audited() {
    let app = TestApp::spawn_with(&[("VEZA__JWT__REFRESH_REUSE_GRACE_SECS", "0")]).await;
    let (_, _, r1) = app.user("max").await;
    app.post_json("/api/v1/auth/login", &json!({ "login": "max", "password": "not the password" }), None).await;
    let second: Value = app
        .post_json("/api/v1/auth/login", &json!({ "login": "max", "password": PASSWORD }), None)
        .await
        .json()
        .await
        .expect("json");
    let access = second["access_token"].as_str().expect("access").to_owned();
    app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await;
    let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await;
    assert_eq!(res.status(), 401, "reuse with no grace");
    app.post_json("/api/v1/auth/logout-all", &json!({}), Some(&access)).await;
    let rows: Vec<Action> = diesel::sql_query("SELECT action FROM audit_log ORDER BY id")
        .load(&mut app.db.conn().await)
        .await
        .expect("audit");
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["auth.register", "auth.login_failed", "auth.login", "auth.refresh_reuse", "auth.logout_all"]);
}
