//! Per-IP limits: 429 problem with Retry-After; X-Forwarded-For believed only from trusted proxies.

use crate::support::TestApp;
use serde_json::Value;

const BODY: &str = r#"{"csp-report":{"document-uri":"https://a.example/","violated-directive":"img-src"}}"#;

async fn report(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req =
        app.client.post(app.url("/api/v1/csp-reports")).header("content-type", "application/csp-report").body(BODY);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.expect("sent")
}

#[tokio::test]
async fn over_the_limit_is_429_with_retry_after_and_probes_are_never_limited() {
    let app =
        TestApp::spawn_with(&[("VEZA__RATE_LIMIT__IP_PER_MINUTE", "6"), ("VEZA__RATE_LIMIT__IP_BURST", "3")]).await;
    for i in 0..3 {
        assert_eq!(report(&app, None).await.status(), 204, "request {i} within the burst");
    }
    let res = report(&app, None).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=10).contains(&retry), "one request every 10 s: retry after {retry}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "rate_limited");
    for _ in 0..10 {
        assert_eq!(app.get("/health").await.status(), 200, "ops endpoints are not limited");
    }
    assert_eq!(app.metric(r#"veza_rate_limited_total{limit="ip"}"#).await, Some(1.0));
}

#[tokio::test]
async fn forwarded_for_is_the_key_behind_a_trusted_proxy() {
    let app = TestApp::spawn_with(&[
        ("VEZA__RATE_LIMIT__IP_PER_MINUTE", "1"),
        ("VEZA__RATE_LIMIT__IP_BURST", "1"),
        ("VEZA__SERVER__TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    assert_eq!(report(&app, Some("198.51.100.1")).await.status(), 204);
    assert_eq!(report(&app, Some("198.51.100.1")).await.status(), 429, "same client behind the proxy");
    assert_eq!(report(&app, Some("198.51.100.2")).await.status(), 204, "another client has its own budget");
    assert_eq!(
        report(&app, Some("6.6.6.6, 198.51.100.2")).await.status(),
        429,
        "a spoofed leftmost hop changes nothing"
    );
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_an_untrusted_peer() {
    let app =
        TestApp::spawn_with(&[("VEZA__RATE_LIMIT__IP_PER_MINUTE", "1"), ("VEZA__RATE_LIMIT__IP_BURST", "1")]).await;
    assert_eq!(report(&app, Some("198.51.100.1")).await.status(), 204);
    assert_eq!(report(&app, Some("198.51.100.2")).await.status(), 429, "the peer address is the key");
}
