//! The harness itself: isolated migrated databases, and the WebSocket helper.

use crate::support::{TestApp, TestDb, ws};
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn each_test_gets_its_own_migrated_database() {
    let (a, b) = (TestDb::new().await, TestDb::new().await);
    assert_ne!(a.name, b.name);
    let mut ca = a.conn().await;
    let mut cb = b.conn().await;
    let applied: Count = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result(&mut ca)
        .await
        .expect("migrations table");
    assert!(applied.n >= 1, "template carried the migrations");
    diesel::sql_query("CREATE TABLE only_in_a (x int)").execute(&mut ca).await.expect("create");
    let seen: Count = diesel::sql_query("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'only_in_a'")
        .get_result(&mut cb)
        .await
        .expect("query");
    assert_eq!(seen.n, 0, "databases are isolated");
}

#[tokio::test]
async fn dropping_a_test_database_removes_it() {
    let name = {
        let db = TestDb::new().await;
        db.name.clone()
    };
    let mut admin =
        veza::db::migrate::connect(&crate::support::db::url_for("postgres"), std::time::Duration::from_secs(5))
            .await
            .expect("admin");
    assert!(!veza::db::migrate::database_exists(&mut admin, &name).await.expect("query"));
}

#[tokio::test]
async fn ws_helper_reports_a_refused_upgrade_with_its_status() {
    // Not a WebSocket route: the helper must say 404 with the problem body, not hang.
    let app = TestApp::spawn().await;
    let url = format!("ws://{}/no-websocket-here", app.addr);
    match ws::connect(&url, &["veza.json.v1"], Some("token")).await {
        Err(ws::WsConnectError::Refused { status, body }) => {
            assert_eq!(status, 404);
            assert!(body.contains("not_found"), "{body}");
        }
        other => panic!("expected a refused upgrade, got {:?}", other.map(|(_, p)| p)),
    }
}
