//! Rate limits shared through Redis (a key prefix private to the test), and the fallback to
//! local limits when Redis is away.

use crate::support::app::test_config;
use crate::support::{TestApp, TestDb};

const BODY: &str = r#"{"csp-report":{"document-uri":"https://a.example/","violated-directive":"img-src"}}"#;

async fn report(app: &TestApp) -> u16 {
    app.client
        .post(app.url("/api/v1/csp-reports"))
        .header("content-type", "application/csp-report")
        .body(BODY)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn two_nodes_share_one_budget_through_redis() {
    let db = TestDb::new().await;
    let prefix = format!("veza:test:{}:", db.name);
    let vars = [
        ("VEZA__REDIS__URL", "redis://127.0.0.1:6379"),
        ("VEZA__REDIS__KEY_PREFIX", prefix.as_str()),
        ("VEZA__RATE_LIMIT__IP_PER_MINUTE", "2"),
        ("VEZA__RATE_LIMIT__IP_BURST", "2"),
    ];
    let (c1, c2) = (test_config(&db.url, &vars), test_config(&db.url, &vars));
    let shared = db.share();
    let n1 = TestApp::start(c1, db).await;
    let n2 = TestApp::start(c2, shared).await;
    assert_eq!(report(&n1).await, 204);
    assert_eq!(report(&n1).await, 204);
    assert_eq!(report(&n2).await, 429, "node 2 sees the budget node 1 spent");
    assert_eq!(n1.metric("veza_rate_limit_local_fallbacks").await, Some(0.0));
}

#[tokio::test]
async fn when_redis_is_away_limits_go_local_and_nothing_fails() {
    // Nothing listens on port 9: every check falls back to this node's own store.
    let app = TestApp::spawn_with(&[
        ("VEZA__REDIS__URL", "redis://127.0.0.1:9"),
        ("VEZA__RATE_LIMIT__IP_PER_MINUTE", "2"),
        ("VEZA__RATE_LIMIT__IP_BURST", "2"),
    ])
    .await;
    assert_eq!(report(&app).await, 204, "no error reaches the client");
    assert_eq!(report(&app).await, 204);
    assert_eq!(report(&app).await, 429, "the local limit still applies");
    assert!(app.metric("veza_rate_limit_local_fallbacks").await.unwrap_or(0.0) >= 3.0, "fallbacks are counted");
}
