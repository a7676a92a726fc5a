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

/// Sessions the server ended (a restart, a failover, an operator's pg_terminate_backend) sit in
/// the pool looking idle; the checkout test throws them away instead of handing them out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_does_not_hand_out_connections_the_server_ended() {
    use diesel_async::RunQueryDsl;
    let db = TestDb::new().await;
    let pool = veza::db::build_pool(&db.url, 3, Duration::from_secs(5));
    let select_one = || async {
        let mut conn = veza::db::checkout(&pool).await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok::<_, veza::db::DbError>(())
    };
    // Three connections open at once, then idle in the pool.
    let opened = futures_util::future::join_all((0..3).map(|_| async {
        let conn = veza::db::checkout(&pool).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        conn.is_ok()
    }))
    .await;
    assert_eq!(opened, [true; 3]);
    assert_eq!(pool.state().idle_connections, 3);
    let mut admin = db.conn().await;
    let ended = diesel::sql_query(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut admin)
    .await
    .expect("terminate the pool's sessions");
    assert_eq!(ended, 3);
    // The driver reads the server's goodbye on its own task.
    tokio::time::sleep(Duration::from_millis(50)).await;
    for i in 0..6 {
        select_one().await.unwrap_or_else(|e| panic!("query {i} after the termination: {e}"));
    }
}
