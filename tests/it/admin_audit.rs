//! `GET /admin/audit` and its NDJSON export: filters, pages without repeat or miss, bad input.

use crate::market::admin;
use crate::support::TestApp;
use serde_json::Value;

async fn page(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let res = app.get_auth(&format!("/api/v1/admin/audit{query}"), token).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn seqs(v: &Value) -> Vec<i64> {
    v["items"].as_array().map(|a| a.iter().filter_map(|r| r["seq"].as_i64()).collect()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trail_reads_by_actor_action_target_and_time_in_pages() {
    let app = TestApp::spawn().await;
    let (root_id, root) = admin(&app, "root").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.user(&format!("member{i}")).await.0);
    }
    // Two failed logins (no actor) with a known target login.
    for _ in 0..2 {
        let body = serde_json::json!({ "login": "member0", "password": "wrong password here" });
        assert_eq!(app.post_json("/api/v1/auth/login", &body, None).await.status(), 401);
    }

    // Everything, newest first, three at a time: no repeat, no miss, ends.
    let (status, all) = page(&app, &root, "?limit=100").await;
    assert_eq!(status, 200, "{all}");
    let everything = seqs(&all);
    assert!(everything.windows(2).all(|w| w[0] > w[1]), "newest first: {everything:?}");
    let (mut walked, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let q = cursor.as_ref().map_or("?limit=3".to_owned(), |c| format!("?limit=3&cursor={c}"));
        let (status, v) = page(&app, &root, &q).await;
        assert_eq!(status, 200, "{v}");
        walked.extend(seqs(&v));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked, everything);

    let (_, v) = page(&app, &root, "?action=auth.register").await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(6), "root and five members: {v}");
    let (_, v) = page(&app, &root, "?action=auth.login_failed").await;
    assert_eq!(seqs(&v).len(), 2);
    assert!(v["items"][0]["actor_id"].is_null() && v["items"][0]["ip"].is_string(), "{v}");
    let (_, v) = page(&app, &root, "?action=auth.&limit=100").await;
    assert!(
        v["items"]
            .as_array()
            .is_some_and(|a| a.iter().all(|r| r["action"].as_str().unwrap_or("").starts_with("auth.")))
    );
    let (_, v) = page(&app, &root, &format!("?actor={}", ids[2])).await;
    assert!(v["items"].as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|r| r["actor_id"] == ids[2].as_str())));
    let (_, v) = page(&app, &root, &format!("?target=user:{root_id}&action=auth.register")).await;
    assert_eq!(seqs(&v).len(), 1);
    assert_eq!(v["items"][0]["hash"].as_str().map(str::len), Some(64), "{v}");
    let (_, v) = page(&app, &root, "?since=2999-01-01T00:00:00Z").await;
    assert_eq!(seqs(&v).len(), 0);

    for bad in ["?actor=nope", "?action=Auth", "?since=yesterday", "?limit=0", "?cursor=abc", "?target=", "?colour=red"]
    {
        let (status, v) = page(&app, &root, bad).await;
        assert_eq!(status, 422, "{bad}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_streams_every_matching_record_oldest_first_and_is_audited() {
    let app = TestApp::spawn().await;
    let (root_id, root) = admin(&app, "root").await;
    for i in 0..3 {
        app.user(&format!("member{i}")).await;
    }
    let res = app.get_auth("/api/v1/admin/audit/export?action=auth.register", &root).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    let text = res.text().await.expect("body");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("one JSON record per line")).collect();
    assert_eq!(lines.len(), 4);
    let exported: Vec<i64> = lines.iter().filter_map(|r| r["seq"].as_i64()).collect();
    assert!(exported.windows(2).all(|w| w[0] < w[1]), "oldest first: {exported:?}");
    let (_, v) = page(&app, &root, "?action=auth.register").await;
    let mut listed = seqs(&v);
    listed.reverse();
    assert_eq!(exported, listed, "the same records as the list");

    let (_, v) = page(&app, &root, &format!("?action=admin.audit_exported&actor={root_id}")).await;
    assert_eq!(seqs(&v).len(), 1, "the export is audited: {v}");
    assert!(v["items"][0]["data"]["filter"].as_str().is_some_and(|f| f.contains("auth.register")), "{v}");
    let res = app.get_auth("/api/v1/admin/audit/export?limit=5", &root).await;
    assert_eq!(res.status(), 422);
}
