//! /ready follows PostgreSQL: a node whose database link is cut goes 503 and comes back.

use crate::support::app::{eventually, test_config};
use crate::support::proxy::TcpProxy;
use crate::support::{TestApp, TestDb};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_goes_503_when_the_database_goes_away_and_200_when_it_returns() {
    let db = TestDb::new().await;
    let proxy = TcpProxy::start("127.0.0.1:5432".parse().expect("addr")).await;
    let mut via_proxy = url::Url::parse(&db.url).expect("url");
    via_proxy.set_port(Some(proxy.addr.port())).expect("port");
    let cfg = test_config(via_proxy.as_str(), &[]);
    let app = TestApp::start(cfg, db).await;
    assert_eq!(app.get("/ready").await.status(), 200);

    proxy.cut();
    let body: Value = eventually(Duration::from_secs(10), "ready 503", || async {
        let res = app.get("/ready").await;
        if res.status() != 503 {
            return None;
        }
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        res.json().await.ok()
    })
    .await;
    assert_eq!(body["code"], "unavailable");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("postgres")), "names the dependency: {body}");
    let health = app.get("/health").await;
    assert_eq!(health.status(), 200, "liveness is unaffected");
    let health: Value = health.json().await.expect("json");
    assert_eq!(health["checks"]["postgres"], "down");
    assert_eq!(health["status"], "degraded");

    proxy.restore().await;
    eventually(Duration::from_secs(15), "ready 200 again", || async {
        (app.get("/ready").await.status() == 200).then_some(())
    })
    .await;
}
