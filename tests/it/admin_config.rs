//! `/admin/config`: typed keys, validation, history with diffs, rollback, keys pinned by the
//! operator, and a change reaching a second node within 2 s with the broker up and down.

use crate::cluster::{amqp_up, nodes_with_cuttable_broker};
use crate::market::admin;
use crate::multinode::two_nodes_with;
use crate::support::TestApp;
use crate::support::app::{PASSWORD, eventually};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn put(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let res = app.send_auth(Method::PUT, "/api/v1/admin/config", token, Some(&body)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let res = app.get_auth(path, token).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn setting<'a>(config: &'a Value, key: &str) -> &'a Value {
    config["settings"].as_array().and_then(|a| a.iter().find(|s| s["key"] == key)).unwrap_or(&Value::Null)
}

async fn registers(app: &TestApp, name: &str) -> u16 {
    let body = json!({ "email": format!("{name}@example.com"), "username": name, "password": PASSWORD });
    app.post_json("/api/v1/auth/register", &body, None).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_checked_versioned_and_rolled_back() {
    let app = TestApp::spawn().await;
    let (_, root) = admin(&app, "root").await;
    let (_, user, _) = app.user("ugo").await;
    let (status, config) = get(&app, &root, "/api/v1/admin/config").await;
    assert_eq!(status, 200, "{config}");
    let open = setting(&config, "registration.open");
    assert_eq!((&open["value"], &open["is_default"], &open["locked"]), (&json!(true), &json!(true), &json!(false)));
    assert_eq!(get(&app, &user, "/api/v1/admin/config").await.0, 403);
    let first = config["version"].as_i64().expect("version");

    let (status, v) = put(&app, &root, json!({ "registration.open": false })).await;
    assert_eq!((status, &setting(&v, "registration.open")["value"]), (200, &json!(false)), "{v}");
    assert_eq!(registers(&app, "newbie").await, 403);
    let (status, _) = put(&app, &root, json!({ "chat.banned_words": ["zorp"], "registration.open": false })).await;
    assert_eq!(status, 200, "an unchanged key is left out of the version");
    for (bad, field) in [
        (
            json!({ "automod.rules": [{ "name": "x", "match": "regex", "patterns": ["("], "action": "block" }] }),
            "automod.rules",
        ),
        (json!({ "registration.open": "yes" }), "registration.open"),
        (json!({ "no.such.key": 1 }), "settings"),
        (json!({}), "settings"),
    ] {
        let (status, v) = put(&app, &root, bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {v}");
        assert!(v["errors"][field].is_array(), "{bad}: {v}");
    }
    let (status, h) = get(&app, &root, "/api/v1/admin/config/history").await;
    assert_eq!(status, 200, "{h}");
    let versions = h["items"].as_array().expect("items");
    assert_eq!(versions.len(), 3, "the backfilled start and two changes: {h}");
    assert_eq!(versions[0]["changes"], json!([{ "key": "chat.banned_words", "from": [], "to": ["zorp"] }]));
    assert_eq!(versions[1]["changes"], json!([{ "key": "registration.open", "from": null, "to": false }]));
    assert_eq!(versions[1]["changed_by"]["username"], "root");
    // Back to the start: registration open again (unset), the words as they were.
    let path = format!("/api/v1/admin/config/rollback/{first}");
    let res = app.post_json(&path, &json!({}), Some(&root)).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("config");
    assert_eq!(setting(&v, "registration.open")["is_default"], true, "{v}");
    assert_eq!(setting(&v, "chat.banned_words")["value"], json!([]));
    assert_eq!(registers(&app, "newbie").await, 201);
    let (_, h) = get(&app, &root, "/api/v1/admin/config/history?limit=1").await;
    assert_eq!(h["items"][0]["rollback_of"], first);
    assert!(h["next_cursor"].is_string());
    let res = app.post_json("/api/v1/admin/config/rollback/999999", &json!({}), Some(&root)).await;
    assert_eq!(res.status(), 404);
    let audited = "SELECT count(*) AS n FROM audit_log WHERE action IN ('config.changed', 'config.rolled_back')";
    assert_eq!(crate::market::count(&app, audited).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_pinned_by_the_operator_is_locked() {
    let app = TestApp::spawn_with(&[("VEZA_SETTING__REGISTRATION__OPEN", "false")]).await;
    assert_eq!(registers(&app, "newbie").await, 403, "the pinned value applies");
    // The operator's way in: the CLI's account creation, which is not registration.
    let config = app.handle.state().config.clone();
    veza::auth::bootstrap::create_user(&config, "root@example.com", "root", PASSWORD, veza::auth::Role::Admin)
        .await
        .expect("admin");
    let res = app.post_json("/api/v1/auth/login", &json!({ "login": "root", "password": PASSWORD }), None).await;
    let root = res.json::<Value>().await.expect("login")["access_token"].as_str().expect("token").to_owned();
    let (_, config) = get(&app, &root, "/api/v1/admin/config").await;
    let open = setting(&config, "registration.open");
    assert_eq!((&open["value"], &open["locked"]), (&json!(false), &json!(true)), "{config}");
    let (status, v) = put(&app, &root, json!({ "registration.open": true })).await;
    assert_eq!((status, v["code"].as_str()), (409, Some("setting_locked")), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_reaches_the_other_node_within_two_seconds_over_the_broker() {
    // The version poll is a minute away: only the broker can deliver it in time.
    let (n1, n2) = two_nodes_with(&[("VEZA__NODE__SETTINGS_POLL_MS", "60000")]).await;
    let (_, root) = admin(&n1, "root").await;
    assert_eq!(put(&n1, &root, json!({ "registration.open": false })).await.0, 200);
    eventually(Duration::from_secs(2), "node 2 closes registration", || {
        let n2 = &n2;
        async move { (registers(n2, "late").await == 403).then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_broker_a_change_arrives_through_the_poll_within_two_seconds() {
    let (n1, n2, broker) = nodes_with_cuttable_broker(2, &[]).await;
    amqp_up(&n2).await;
    broker.cut();
    let (_, root) = admin(&n1, "root").await;
    assert_eq!(put(&n1, &root, json!({ "registration.open": false })).await.0, 200);
    eventually(Duration::from_secs(2), "node 2 closes registration", || {
        let n2 = &n2;
        async move { (registers(n2, "late").await == 403).then_some(()) }
    })
    .await;
}

async fn login_status(app: &TestApp, name: &str) -> u16 {
    let res = app.post_json("/api/v1/auth/login", &json!({ "login": name, "password": PASSWORD }), None).await;
    res.status().as_u16()
}

async fn upload_of(app: &TestApp, token: &str, size: u64) -> (u16, Value) {
    let b = json!({ "size": size, "filename": "take.flac" });
    let res = app.post_json("/api/v1/uploads", &b, Some(token)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tuned_limits_take_effect_and_unset_ones_fall_back_to_the_config_file() {
    let app = TestApp::spawn().await;
    let (_, root) = admin(&app, "root").await;
    let (_, user, _) = app.user("uploader").await;

    let limits = json!({ "uploads.max_track_bytes": 2048, "uploads.quota_bytes": 5000 });
    assert_eq!(put(&app, &root, limits).await.0, 200);
    let (status, v) = upload_of(&app, &user, 4096).await;
    assert_eq!(status, 413, "past the tuned size: {v}");
    assert_eq!(upload_of(&app, &user, 2000).await.0, 201);
    assert_eq!(upload_of(&app, &user, 2000).await.0, 201);
    let (status, v) = upload_of(&app, &user, 2000).await;
    assert_eq!(status, 413, "past the tuned quota: {v}");
    assert_eq!(put(&app, &root, json!({ "uploads.quota_bytes": null })).await.0, 200);
    assert_eq!(upload_of(&app, &user, 2000).await.0, 201, "the config file's quota again");

    let (status, v) = put(&app, &root, json!({ "rate_limits.login_per_ip_per_minute": 0 })).await;
    assert_eq!(status, 422, "{v}");
    assert!(v["errors"]["rate_limits.login_per_ip_per_minute"].is_array(), "{v}");
    assert_eq!(put(&app, &root, json!({ "rate_limits.login_per_ip_per_minute": 2 })).await.0, 200);
    assert_eq!(login_status(&app, "uploader").await, 200);
    assert_eq!(login_status(&app, "uploader").await, 200);
    assert_eq!(login_status(&app, "uploader").await, 429, "the third login this minute");
    assert_eq!(put(&app, &root, json!({ "rate_limits.login_per_ip_per_minute": null })).await.0, 200);
    assert_eq!(login_status(&app, "uploader").await, 200, "the config file's limit again");
}
