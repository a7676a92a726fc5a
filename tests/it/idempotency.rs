//! Idempotency-Key on authenticated mutating POSTs.

use crate::support::TestApp;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

async fn post(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("sent")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn requests_sent(app: &TestApp) -> i64 {
    let c: Count = diesel::sql_query("SELECT count(*) AS n FROM activity WHERE kind = 'friend.requested'")
        .get_result(&mut app.db.conn().await)
        .await
        .expect("count");
    c.n
}

#[tokio::test]
async fn a_replay_returns_the_first_answer_and_runs_nothing() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("fay").await;
    let (b_id, _, _) = app.user("gus").await;
    let path = format!("/api/v1/users/{b_id}/friend-request");
    let first = post(&app, &path, &a, "k-1", &json!({})).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotency-replayed").is_none());
    let first_body: Value = first.json().await.expect("json");

    let again = post(&app, &path, &a, "k-1", &json!({})).await;
    assert_eq!(again.status(), 201, "the stored answer, not a 409 from running twice");
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(again.json::<Value>().await.expect("json"), first_body);
    assert_eq!(requests_sent(&app).await, 1, "ran once");

    let other = post(&app, &path, &a, "k-1", &json!({ "different": true })).await;
    assert_eq!(other.status(), 422);
    assert_eq!(other.json::<Value>().await.expect("json")["code"], "idempotency_key_reused");

    // Without a key the request runs again (and meets the real 409).
    let plain = app.post_json(&path, &json!({}), Some(&a)).await;
    assert_eq!(plain.status(), 409);
}

#[tokio::test]
async fn keys_are_scoped_to_the_user_and_4xx_answers_are_replayed() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("hal").await;
    let (_, b, _) = app.user("ida").await;
    let (c_id, _, _) = app.user("joe").await;
    let path = format!("/api/v1/users/{c_id}/friend-request");
    assert_eq!(post(&app, &path, &a, "same", &json!({})).await.status(), 201);
    let res = post(&app, &path, &b, "same", &json!({})).await;
    assert_eq!(res.status(), 201, "another user's identical key is independent");
    assert!(res.headers().get("idempotency-replayed").is_none());

    // A 4xx answer is stored and replayed like any other.
    let missing = "/api/v1/users/nobody-at-all/friend-request";
    assert_eq!(post(&app, missing, &a, "k-404", &json!({})).await.status(), 404);
    let res = post(&app, missing, &a, "k-404", &json!({})).await;
    assert_eq!((res.status().as_u16(), res.headers().get("idempotency-replayed").is_some()), (404, true));
}

#[tokio::test]
async fn a_duplicate_while_the_first_runs_is_409_and_concurrent_duplicates_run_once() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("kai").await;
    let (b_id, _, _) = app.user("lou").await;
    let path = format!("/api/v1/users/{b_id}/friend-request");

    // A first request still running: its row is claimed but not completed.
    let hash = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update("POST");
        h.update(b" ");
        h.update(&path);
        h.update(b"\n");
        h.update(b"{}");
        h.finalize().to_vec()
    };
    diesel::sql_query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, method, path) VALUES ($1::uuid, 'running', $2, 'POST', $3)",
    )
    .bind::<diesel::sql_types::Text, _>(&a_id)
    .bind::<diesel::sql_types::Bytea, _>(&hash)
    .bind::<diesel::sql_types::Text, _>(&path)
    .execute(&mut app.db.conn().await)
    .await
    .expect("claim");
    let res = post(&app, &path, &a, "running", &json!({})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.expect("json")["code"], "idempotency_in_progress");

    // Real concurrency: five at once with one key; exactly one runs.
    let empty = json!({});
    let sends = (0..5).map(|_| post(&app, &path, &a, "burst", &empty));
    let results = futures_util::future::join_all(sends).await;
    let mut fresh = 0;
    for r in results {
        let status = r.status().as_u16();
        let replayed = r.headers().get("idempotency-replayed").is_some();
        match (status, replayed) {
            (201, false) => fresh += 1,
            (201, true) | (409, false) => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one request ran");
    assert_eq!(requests_sent(&app).await, 1);
}
