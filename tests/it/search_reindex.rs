//! Rebuilding a search index: on request to every running node (`veza search reindex`), and
//! offline into a directory that was deleted (`--offline`), which refuses an index a running
//! node holds.

use crate::market::{category, create_listing, listing_body};
use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::process;
use serde_json::Value;
use std::time::Duration;

async fn found(app: &TestApp, q: &str) -> u64 {
    let v: Value = app.get(&format!("/api/v1/search?q={q}&types=listing")).await.json().await.unwrap_or_default();
    v["counts"]["listings"].as_u64().unwrap_or(u64::MAX)
}

#[actix_web::test]
async fn a_reindex_request_rebuilds_every_running_node() {
    let app = TestApp::spawn().await;
    app.search_state("ready").await;
    let (_, ann, _) = app.user("ann").await;
    let cat = category(&app, "synthesizers").await;
    let gone = create_listing(&app, &ann, &listing_body("Oberheim OB-6", &cat, 100, "EUR", true)).await;
    assert_eq!(found(&app, "oberheim").await, 1);
    // The log's change for the creation applied (ticks are 100 ms apart in tests), then the
    // row removed behind the log's back (triggers off): only a rebuild can notice.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let id = gone["id"].as_str().unwrap_or_default();
    let mut conn = app.db.conn().await;
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut conn,
        &format!("SET session_replication_role = replica; DELETE FROM listings WHERE id = '{id}'; SET session_replication_role = origin;"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The index still has it (the row shown may be the one kept beside the index: a delete
    // behind the log's back reaches neither until a rebuild).
    assert_eq!(found(&app, "oberheim").await, 1);
    let (status, out, err) = process::run(&["search", "reindex"], &[("VEZA__DATABASE__URL", app.db.url.as_str())]);
    assert!(status.success(), "{out} {err}");
    assert!(out.contains("request 1"), "{out}");
    eventually(Duration::from_secs(10), "the node rebuilt", || async {
        (found(&app, "oberheim").await == 0).then_some(())
    })
    .await;
    let v: Value = app.get("/api/v1/search?q=oberheim&types=listing").await.json().await.unwrap_or_default();
    assert_eq!(v["results"]["listings"].as_array().map(Vec::len), Some(0), "and none shown: {v}");
}

#[actix_web::test]
async fn an_offline_reindex_rebuilds_a_deleted_index_and_refuses_a_held_one() {
    let app = TestApp::spawn().await;
    let (_, ann, _) = app.user("ann").await;
    let cat = category(&app, "synthesizers").await;
    for title in ["Sequential Prophet 5", "Sequential Take 5", "Korg Minilogue"] {
        create_listing(&app, &ann, &listing_body(title, &cat, 100, "EUR", true)).await;
    }
    let dir = std::env::temp_dir().join(format!("veza-offline-{}", uuid::Uuid::now_v7()));
    let vars = [
        ("VEZA__DATABASE__URL", app.db.url.as_str()),
        ("VEZA__SEARCH__DIR", dir.to_str().unwrap_or_default()),
        ("VEZA__NODE__ID", "offline"),
    ];
    let run = || {
        let (status, out, err) = process::run(&["search", "reindex", "--offline"], &vars);
        assert!(status.success(), "{out} {err}");
        serde_json::from_str::<Value>(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
    };
    let first = run();
    // Three listings and their seller.
    assert_eq!(first["documents"], 4, "{first}");
    assert!(first["bytes_on_disk"].as_u64().unwrap_or(0) > 0);
    std::fs::remove_dir_all(dir.join("offline")).unwrap_or_else(|e| panic!("{e}"));
    let again = run();
    assert_eq!(again["documents"], 4, "rebuilt after the directory was deleted: {again}");
    let _ = std::fs::remove_dir_all(&dir);

    // A running node's index is locked by its writer: refused, with what to do.
    let held = std::env::temp_dir().join(format!("veza-held-{}", uuid::Uuid::now_v7()));
    let held_dir = held.to_str().unwrap_or_default().to_owned();
    let node = TestApp::spawn_with(&[("VEZA__SEARCH__DIR", held_dir.as_str()), ("VEZA__NODE__ID", "held")]).await;
    node.search_state("ready").await;
    let vars = [
        ("VEZA__DATABASE__URL", node.db.url.as_str()),
        ("VEZA__SEARCH__DIR", held_dir.as_str()),
        ("VEZA__NODE__ID", "held"),
    ];
    let (status, out, err) = process::run(&["search", "reindex", "--offline"], &vars);
    assert!(!status.success(), "{out}");
    assert!(err.contains("stop it, or reindex without --offline"), "{err}");
    drop(node);
    let _ = std::fs::remove_dir_all(&held);
}
