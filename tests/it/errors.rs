//! Every error is application/problem+json with a stable code.

use crate::support::TestApp;
use serde_json::Value;

async fn problem(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code);
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("urn:veza:problem:{code}"));
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

const REPORTS: &str = "/api/v1/csp-reports";

#[tokio::test]
async fn malformed_json_is_400_invalid_json() {
    let app = TestApp::spawn().await;
    let res = app.post_raw(REPORTS, "application/json", "{\"csp-report\": ").await;
    problem(res, 400, "invalid_json").await;
}

#[tokio::test]
async fn oversize_body_is_413() {
    let app = TestApp::spawn_with(&[("VEZA__SERVER__BODY_LIMIT_BYTES", "2048")]).await;
    let big = format!(
        "{{\"csp-report\":{{\"document-uri\":\"https://a.example/{}\",\"violated-directive\":\"img-src\"}}}}",
        "x".repeat(4096)
    );
    let res = app.post_raw(REPORTS, "application/csp-report", big).await;
    problem(res, 413, "payload_too_large").await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::spawn().await;
    let res = app.post_raw(REPORTS, "text/plain", "{}").await;
    problem(res, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn invalid_fields_are_422_with_per_field_errors() {
    let app = TestApp::spawn().await;
    let body = r#"{"csp-report":{"document-uri":"not a url","violated-directive":""}}"#;
    let res = app.post_raw(REPORTS, "application/csp-report", body).await;
    let p = problem(res, 422, "validation_failed").await;
    assert!(p["errors"]["report.document_uri"].as_array().is_some_and(|a| !a.is_empty()), "{p}");
    assert!(p["errors"]["report.violated_directive"].as_array().is_some_and(|a| !a.is_empty()), "{p}");
}

#[tokio::test]
async fn well_formed_json_of_the_wrong_shape_is_422() {
    let app = TestApp::spawn().await;
    let res = app.post_raw(REPORTS, "application/json", r#"{"csp-report": 5}"#).await;
    problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn a_valid_report_is_accepted_and_counted() {
    let app = TestApp::spawn().await;
    let body = r#"{"csp-report":{"document-uri":"https://veza.example/x","violated-directive":"script-src 'self'","effective-directive":"script-src"}}"#;
    let res = app.post_raw(REPORTS, "application/csp-report", body).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.metric(r#"veza_csp_reports_total{directive="script-src"}"#).await, Some(1.0));
}

#[tokio::test]
async fn unknown_route_is_404_not_found() {
    let app = TestApp::spawn().await;
    problem(app.get("/api/v1/nothing-here").await, 404, "not_found").await;
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let res = app.client.post(app.url("/health")).send().await.expect("sent");
    let allow = res.headers().get("allow").and_then(|v| v.to_str().ok()).map(str::to_owned);
    problem(res, 405, "method_not_allowed").await;
    assert_eq!(allow.as_deref(), Some("GET"));
    let res = app.client.get(app.url(REPORTS)).send().await.expect("sent");
    problem(res, 405, "method_not_allowed").await;
}
