//! Magic links through the mail outbox, and OAuth2 with PKCE against the fake provider.

use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::oauth_provider::{FakeProvider, Profile};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(QueryableByName)]
struct Mail {
    #[diesel(sql_type = Text)]
    to_addr: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Bool)]
    sent: bool,
}

async fn outbox(app: &TestApp) -> Vec<Mail> {
    diesel::sql_query("SELECT to_addr, body, sent_at IS NOT NULL AS sent FROM mail_outbox ORDER BY id")
        .load(&mut app.db.conn().await)
        .await
        .expect("outbox")
}

fn token_in(body: &str) -> String {
    let after = body.split("token=").nth(1).expect("a link with a token");
    after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

#[tokio::test]
async fn magic_link_is_mailed_single_use_and_always_202() {
    let app = TestApp::spawn().await;
    app.register("pat").await;
    let res = app.post_json("/api/v1/auth/magic-link", &json!({ "email": "PAT@Example.com" }), None).await;
    assert_eq!(res.status(), 202);
    let res = app.post_json("/api/v1/auth/magic-link", &json!({ "email": "nobody@example.com" }), None).await;
    assert_eq!(res.status(), 202, "no account enumeration");
    let res = app.post_json("/api/v1/auth/magic-link", &json!({ "email": "not an email" }), None).await;
    assert_eq!(res.status(), 202);

    let mails = outbox(&app).await;
    assert_eq!(mails.len(), 1, "only the real account gets a mail");
    assert_eq!(mails[0].to_addr, "pat@example.com");
    let token = token_in(&mails[0].body);
    eventually(Duration::from_secs(5), "the mailer delivered it", || async {
        outbox(&app).await.iter().any(|m| m.sent).then_some(())
    })
    .await;

    let res = app.post_json("/api/v1/auth/magic-link/verify", &json!({ "token": token }), None).await;
    assert_eq!(res.status(), 200);
    let pair: Value = res.json().await.expect("json");
    assert_eq!(pair["user"]["username"], "pat");
    let res = app.post_json("/api/v1/auth/magic-link/verify", &json!({ "token": token }), None).await;
    assert_eq!(res.status(), 401);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["code"], "link_invalid", "single use");
    let res = app.post_json("/api/v1/auth/magic-link/verify", &json!({ "token": "made-up" }), None).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn magic_link_expires() {
    let app = TestApp::spawn_with(&[("VEZA__AUTH__MAGIC_LINK_TTL_SECS", "1")]).await;
    app.register("quinn").await;
    app.post_json("/api/v1/auth/magic-link", &json!({ "email": "quinn@example.com" }), None).await;
    let token = token_in(&outbox(&app).await[0].body);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let res = app.post_json("/api/v1/auth/magic-link/verify", &json!({ "token": token }), None).await;
    assert_eq!(res.status(), 401);
}

/// A client that does not follow redirects: the test plays the browser.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

fn location(res: &reqwest::Response) -> url::Url {
    let loc = res.headers()["location"].to_str().expect("ascii");
    url::Url::parse(loc).expect("absolute location")
}

/// Runs authorize -> provider -> callback; answers the callback response.
async fn oauth_round_trip(app: &TestApp, provider: &str, authorize_query: &str) -> reqwest::Response {
    oauth_round_trip_with(app, provider, authorize_query, |_| {}).await
}

async fn oauth_round_trip_with(
    app: &TestApp,
    provider: &str,
    authorize_query: &str,
    before_callback: impl FnOnce(&mut url::Url),
) -> reqwest::Response {
    let b = browser();
    let res = b
        .get(app.url(&format!("/api/v1/auth/oauth/{provider}/authorize{authorize_query}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 302);
    let to_provider = location(&res);
    let q: std::collections::HashMap<_, _> = to_provider.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["code_challenge"].len() >= 43 && q["state"].len() >= 43);
    let res = b.get(to_provider).send().await.expect("provider");
    assert_eq!(res.status(), 302);
    let mut callback = location(&res);
    before_callback(&mut callback);
    // The callback URL is built on auth.public_url; the browser reaches this node instead.
    let path = format!("{}?{}", callback.path(), callback.query().unwrap_or_default());
    b.get(app.url(&path)).send().await.expect("callback")
}

fn profile(subject: &str, email: &str, verified: bool) -> Profile {
    Profile { subject: subject.into(), email: email.into(), verified, name: "Rae Sun".into(), login: "RaeSun".into() }
}

#[tokio::test]
async fn github_login_creates_an_account_then_finds_it_again() {
    let provider = FakeProvider::start();
    let env = provider.env("github");
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::spawn_with(&vars).await;
    provider.login_as(profile("4242", "rae@example.com", true));

    let res = oauth_round_trip(&app, "github", "").await;
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.expect("json");
    assert_eq!(first["user"]["email"], "rae@example.com", "the primary verified address");
    assert_eq!(first["user"]["username"], "raesun");
    let token = first["access_token"].as_str().expect("token");
    assert_eq!(app.get_auth("/api/v1/auth/me", token).await.status(), 200);

    let again: Value = oauth_round_trip(&app, "github", "").await.json().await.expect("json");
    assert_eq!(again["user"]["id"], first["user"]["id"], "the same identity logs into the same account");
}

#[tokio::test]
async fn google_links_an_existing_account_by_verified_email_only() {
    let provider = FakeProvider::start();
    let env = provider.env("google");
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::spawn_with(&vars).await;
    let existing = app.register("sam").await;

    provider.login_as(profile("g-unverified", "sam@example.com", false));
    let res = oauth_round_trip(&app, "google", "").await;
    assert_eq!(res.status(), 409, "an unverified email never takes over an account");

    provider.login_as(profile("g-verified", "sam@example.com", true));
    let res = oauth_round_trip(&app, "google", "").await;
    assert_eq!(res.status(), 200);
    let linked: Value = res.json().await.expect("json");
    assert_eq!(linked["user"]["id"], existing["user"]["id"], "linked by verified email");
}

#[tokio::test]
async fn allow_listed_redirect_gets_a_single_use_login_code() {
    let provider = FakeProvider::start();
    let mut env = provider.env("github");
    env.push(("VEZA__AUTH__REDIRECT_ALLOWLIST".into(), "https://app.veza.example/done".into()));
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::spawn_with(&vars).await;
    provider.login_as(profile("77", "tess@example.com", true));

    let res = browser()
        .get(app.url("/api/v1/auth/oauth/github/authorize?redirect_uri=https://evil.example/steal"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 422, "redirects must be allow-listed");

    let res = oauth_round_trip(&app, "github", "?redirect_uri=https://app.veza.example/done").await;
    assert_eq!(res.status(), 302);
    let back = location(&res);
    assert_eq!(back.host_str(), Some("app.veza.example"));
    let code = back.query_pairs().find(|(k, _)| k == "login_code").map(|(_, v)| v.into_owned()).expect("login_code");
    let res = app.post_json("/api/v1/auth/oauth/exchange", &json!({ "login_code": code }), None).await;
    assert_eq!(res.status(), 200);
    let res = app.post_json("/api/v1/auth/oauth/exchange", &json!({ "login_code": code }), None).await;
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["code"], "link_invalid", "single use");
}

#[tokio::test]
async fn a_wrong_state_or_a_wrong_pkce_verifier_is_refused() {
    let provider = FakeProvider::start();
    let env = provider.env("github");
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::spawn_with(&vars).await;
    provider.login_as(profile("99", "uma@example.com", true));

    let res = oauth_round_trip_with(&app, "github", "", |url| {
        let code = url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).unwrap_or_default();
        url.query_pairs_mut().clear().append_pair("code", &code).append_pair("state", "forged-state");
    })
    .await;
    assert_eq!(res.status(), 401);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["code"], "oauth_state_invalid");

    // The stored verifier no longer matches the challenge the provider saw: it refuses the code.
    let db = &app.db;
    let res = oauth_round_trip_with(&app, "github", "", |_| {}).await;
    assert_eq!(res.status(), 200, "control: the untampered flow works");
    let tamper = async {
        diesel::sql_query("UPDATE oauth_states SET pkce_verifier = 'not-the-verifier-not-the-verifier-not-the-v'")
            .execute(&mut db.conn().await)
            .await
            .expect("tamper")
    };
    let b = browser();
    let res = b.get(app.url("/api/v1/auth/oauth/github/authorize")).send().await.expect("sent");
    let res = b.get(location(&res)).send().await.expect("provider");
    let callback = location(&res);
    tamper.await;
    let path = format!("{}?{}", callback.path(), callback.query().unwrap_or_default());
    let res = b.get(app.url(&path)).send().await.expect("callback");
    assert_eq!(res.status(), 401, "the provider refused the verifier");
}

#[tokio::test]
async fn the_providers_list_names_only_the_configured_ones() {
    let app = TestApp::spawn().await;
    let none: Value = app.get("/api/v1/auth/providers").await.json().await.expect("json");
    assert_eq!(none, json!({ "providers": [] }));

    let provider = FakeProvider::start();
    let env = provider.env("github");
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::spawn_with(&vars).await;
    let listed: Value = app.get("/api/v1/auth/providers").await.json().await.expect("json");
    assert_eq!(
        listed,
        json!({ "providers": [{ "id": "github", "name": "GitHub", "authorize_url": "/api/v1/auth/oauth/github/authorize" }] })
    );
    let url = listed["providers"][0]["authorize_url"].as_str().expect("url");
    assert_eq!(browser().get(app.url(url)).send().await.expect("sent").status(), 302, "the listed door opens");
}

#[tokio::test]
async fn an_unconfigured_provider_is_404() {
    let app = TestApp::spawn().await;
    let res = browser().get(app.url("/api/v1/auth/oauth/github/authorize")).send().await.expect("sent");
    assert_eq!(res.status(), 404);
    let res = browser().get(app.url("/api/v1/auth/oauth/myspace/authorize")).send().await.expect("sent");
    assert_eq!(res.status(), 404);
}
