//! /health, /ready, /metrics, OpenAPI and /docs.

use crate::support::TestApp;
use crate::support::app::eventually;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn health_reports_node_version_and_checks() {
    let app = TestApp::spawn_with(&[("VEZA__NODE__ID", "health-node")]).await;
    let res = app.get("/health").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["node"], "health-node");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["checks"]["postgres"], "ok");
    assert_eq!(body["checks"]["redis"], "disabled", "no URL configured counts as disabled");
    assert_eq!(body["checks"]["amqp"], "disabled");
}

#[tokio::test]
async fn health_checks_real_redis_and_rabbitmq_when_configured() {
    let app = TestApp::spawn_with(&[
        ("VEZA__REDIS__URL", "redis://127.0.0.1:6379"),
        ("VEZA__AMQP__URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
    ])
    .await;
    let body = eventually(Duration::from_secs(10), "redis and amqp ok", || async {
        let body: Value = app.get("/health").await.json().await.ok()?;
        (body["checks"]["redis"] == "ok" && body["checks"]["amqp"] == "ok").then_some(body)
    })
    .await;
    assert_eq!(body["status"], "ok");
    let up = app.metric(r#"veza_dependency_up{dependency="amqp"}"#).await;
    assert_eq!(up, Some(1.0));
}

#[tokio::test]
async fn a_configured_dependency_that_is_down_degrades_health_but_not_readiness() {
    // Port 9 (discard) has no Redis on it: the node must keep serving and say so.
    let app = TestApp::spawn_with(&[("VEZA__REDIS__URL", "redis://127.0.0.1:9")]).await;
    let body = eventually(Duration::from_secs(10), "degraded", || async {
        let res = app.get("/health").await;
        assert_eq!(res.status(), 200, "/health is 200 while the process lives");
        let body: Value = res.json().await.ok()?;
        (body["status"] == "degraded").then_some(body)
    })
    .await;
    assert_eq!(body["checks"]["redis"], "down");
    assert_eq!(body["checks"]["postgres"], "ok");
    assert_eq!(app.get("/ready").await.status(), 200, "redis loss does not make a node unready");
    assert_eq!(app.metric(r#"veza_dependency_up{dependency="redis"}"#).await, Some(0.0));
}

#[tokio::test]
async fn ready_is_200_with_a_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/ready").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_never_raw_path() {
    let app = TestApp::spawn().await;
    let series = r#"veza_http_requests_total{method="GET",route="/health",status="200"}"#;
    let before = app.metric(series).await.unwrap_or(0.0);
    for _ in 0..3 {
        app.get("/health").await;
    }
    assert_eq!(app.metric(series).await, Some(before + 3.0));

    app.get("/no/such/thing/12345").await;
    let text = app.get("/metrics").await.text().await.expect("text");
    assert!(text.contains(r#"veza_http_requests_total{method="GET",route="unmatched",status="404"} 1"#), "{text}");
    assert!(!text.contains("12345"), "raw paths must not become labels");
    assert!(text.contains("veza_http_request_duration_seconds_bucket{"), "latency histogram present");
    assert!(text.contains("veza_db_pool_max_connections 4"), "pool gauges from config/test.toml");
    assert!(text.contains(r#"veza_build_info{node=""#) || text.contains("veza_build_info{"), "build info present");
}

#[tokio::test]
async fn openapi_document_lists_the_routes_and_docs_render_it() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let expected = [
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
        ("/api/v1/csp-reports", "post"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/logout-all", "post"),
        ("/api/v1/auth/magic-link", "post"),
        ("/api/v1/auth/magic-link/verify", "post"),
        ("/api/v1/auth/oauth/{provider}/authorize", "get"),
        ("/api/v1/auth/oauth/{provider}/callback", "get"),
        ("/api/v1/auth/oauth/exchange", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/auth/sessions", "get"),
        ("/api/v1/auth/sessions/{id}", "delete"),
        ("/.well-known/jwks.json", "get"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/me", "patch"),
        ("/api/v1/users/me/preferences", "get"),
        ("/api/v1/users/me/preferences", "put"),
        ("/api/v1/users/me/friends", "get"),
        ("/api/v1/users/{id}/friend-request", "post"),
        ("/api/v1/users/me/friends/{id}/accept", "post"),
        ("/api/v1/users/me/friends/{id}", "delete"),
        ("/api/v1/users/{id}/block", "post"),
        ("/api/v1/users/{id}/block", "delete"),
        ("/api/v1/users/me/blocks", "get"),
        ("/api/v1/users/me/activity", "get"),
        ("/api/v1/rooms", "get"),
        ("/api/v1/rooms", "post"),
        ("/api/v1/rooms/{id}", "get"),
        ("/api/v1/rooms/{id}/join", "post"),
        ("/api/v1/rooms/{id}/leave", "post"),
        ("/api/v1/rooms/{id}/members", "post"),
        ("/api/v1/rooms/{id}/members/{user_id}", "delete"),
        ("/api/v1/rooms/{id}/mute", "post"),
        ("/api/v1/dm/{user_id}", "post"),
        ("/api/v1/rooms/{id}/messages", "get"),
        ("/api/v1/rooms/{id}/messages", "post"),
        ("/api/v1/rooms/{id}/messages/{msg_id}", "delete"),
        ("/ws", "get"),
    ];
    for (path, method) in expected {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} documented");
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has responses");
    }
    for path in ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/users/me/preferences"] {
        let method = if path.ends_with("preferences") { "put" } else { "post" };
        assert!(doc["paths"][path][method]["requestBody"].is_object(), "{path} documents its body");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["Problem"].is_object());

    let res = app.get("/docs/").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(csp.contains("script-src 'self'"), "docs may run their own scripts: {csp}");
    let html = res.text().await.expect("html");
    assert!(html.contains("swagger-initializer.js"), "Swagger UI served from the binary");
    let init = app.get("/docs/swagger-initializer.js").await.text().await.expect("js");
    assert!(init.contains("/api/v1/openapi.json"), "the UI loads our document");
}
