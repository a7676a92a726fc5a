//! Request ids, security headers, CORS.

use crate::support::TestApp;

#[tokio::test]
async fn request_id_is_echoed_or_generated_on_every_response() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/health")).header("x-request-id", "trace-abc.123").send().await.expect("sent");
    assert_eq!(res.headers()["x-request-id"], "trace-abc.123");

    let res = app.client.get(app.url("/nope")).header("x-request-id", "evil\tinjected").send().await.expect("sent");
    assert_eq!(res.status(), 404, "errors carry it too");
    let generated = res.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert_ne!(generated, "evil\tinjected");
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "a fresh UUID replaces an unsafe id: {generated}");

    let a = app.get("/health").await.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    let b = app.get("/health").await.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert_ne!(a, b, "each request gets its own id");
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = TestApp::spawn().await;
    for path in ["/health", "/does-not-exist"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS outside production");
    }
}

#[tokio::test]
async fn hsts_when_configured() {
    let app = TestApp::spawn_with(&[("VEZA__SERVER__HSTS", "true")]).await;
    let res = app.get("/health").await;
    let hsts = res.headers()["strict-transport-security"].to_str().expect("ascii");
    assert!(hsts.starts_with("max-age=") && hsts.contains("includeSubDomains"), "{hsts}");
}

#[tokio::test]
async fn cors_preflight_allows_configured_origins_only() {
    let app = TestApp::spawn_with(&[("VEZA__CORS__ALLOWED_ORIGINS", "https://app.veza.example")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/csp-reports"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,authorization")
            .send()
    };
    let ok = preflight("https://app.veza.example").await.expect("sent");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://app.veza.example");
    let methods = ok.headers()["access-control-allow-methods"].to_str().expect("ascii").to_owned();
    assert!(methods.contains("POST"), "{methods}");
    assert!(ok.headers().get("access-control-max-age").is_some());

    let refused = preflight("https://evil.example").await.expect("sent");
    assert!(refused.status().is_client_error(), "{}", refused.status());
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    assert_eq!(refused.headers()["content-type"], "application/problem+json", "even a refusal is a problem");

    let simple =
        app.client.get(app.url("/health")).header("origin", "https://app.veza.example").send().await.expect("sent");
    assert_eq!(simple.headers()["access-control-allow-origin"], "https://app.veza.example");
    let exposed = simple.headers()["access-control-expose-headers"].to_str().expect("ascii").to_lowercase();
    assert!(exposed.contains("x-request-id") && exposed.contains("retry-after"), "{exposed}");
}
