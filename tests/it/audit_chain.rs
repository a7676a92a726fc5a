//! The audit trail as a hash chain: gapless and linked under concurrent writers, append-only,
//! and `veza admin audit verify` names the first row that was changed or removed.

use crate::support::process::run;
use crate::support::{TestApp, TestDb};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use veza::audit::verify::{Broken, Verified, verify};
use veza::audit::{AuditEntry, record};

/// The chain and its stored anchors' rows, without signatures.
async fn check(conn: &mut AsyncPgConnection) -> Result<Verified, Broken> {
    verify(conn, None, &[]).await
}

async fn write(conn: &mut AsyncPgConnection, action: &str, target: &str) {
    record(conn, AuditEntry::new(action).target("user", target)).await.expect("audit row");
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> Result<usize, diesel::result::Error> {
    diesel::sql_query(sql).execute(conn).await
}

/// Runs `sql` with the append-only triggers off, as a superuser can.
async fn tamper(conn: &mut AsyncPgConnection, sql: &str) {
    for t in ["audit_log", "audit_anchors"] {
        exec(conn, &format!("ALTER TABLE {t} DISABLE TRIGGER {t}_append_only")).await.expect("disable");
    }
    // One statement at a time (prepared statements take one).
    for statement in sql.split(";\n") {
        exec(conn, statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    for t in ["audit_log", "audit_anchors"] {
        exec(conn, &format!("ALTER TABLE {t} ENABLE TRIGGER {t}_append_only")).await.expect("enable");
    }
}

#[derive(diesel::QueryableByName)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    chain_seq: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_and_rollbacks_leave_a_gapless_linked_chain() {
    let db = TestDb::new().await;
    let writers = (0..8).map(|w| {
        let db = db.share();
        async move {
            let mut conn = db.conn().await;
            let mut kept = 0;
            for i in 0..20 {
                let keep = i % 5 != 4;
                let _ = conn
                    .transaction::<(), diesel::result::Error, _>(async |c| {
                        write(c, "test.write", &format!("{w}-{i}")).await;
                        // Something else in the same transaction, holding the chain's lock a while.
                        exec(c, "SELECT pg_sleep(0.002)").await?;
                        if keep { Ok(()) } else { Err(diesel::result::Error::RollbackTransaction) }
                    })
                    .await;
                kept += usize::from(keep);
            }
            kept
        }
    });
    let kept: usize = futures_util::future::join_all(writers).await.into_iter().sum();
    let mut conn = db.conn().await;
    let verified = check(&mut conn).await.unwrap_or_else(|e| panic!("the chain holds: {e}"));
    assert_eq!(verified.rows, kept as i64, "every committed row, none of the rolled-back ones");
    let seqs: Vec<Seq> = diesel::sql_query("SELECT chain_seq FROM audit_log WHERE action = 'test.write' ORDER BY id")
        .load(&mut conn)
        .await
        .expect("rows");
    assert_eq!(seqs.len(), kept);
    let max = seqs.iter().map(|s| s.chain_seq).max();
    assert_eq!(max, Some(kept as i64), "gapless from 1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_cannot_be_updated_deleted_or_truncated() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    write(&mut conn, "test.write", "a").await;
    for sql in ["UPDATE audit_log SET target_id = 'b'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let err = exec(&mut conn, sql).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    check(&mut conn).await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_first_row_changed_or_removed() {
    // A changed row: its own hash no longer matches.
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    for i in 0..5 {
        write(&mut conn, "test.write", &i.to_string()).await;
    }
    check(&mut conn).await.unwrap_or_else(|e| panic!("{e}"));
    let vars = [("VEZA__DATABASE__URL", db.url.as_str())];
    let (status, out, _) = run(&["admin", "audit", "verify"], &vars);
    assert!(status.success(), "verify passes: {out}");
    assert!(out.contains("\"rows\":5"), "{out}");

    tamper(&mut conn, "UPDATE audit_log SET target_id = 'someone else' WHERE chain_seq = 3").await;
    assert!(matches!(check(&mut conn).await, Err(Broken::Altered { seq: 3, .. })));
    let (status, _, err) = run(&["admin", "audit", "verify"], &vars);
    assert!(!status.success());
    assert!(err.contains("row 3"), "names the row: {err}");

    // A row changed and its hash recomputed to match: the next row no longer links to it.
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    for i in 0..5 {
        write(&mut conn, "test.write", &i.to_string()).await;
    }
    tamper(&mut conn, "UPDATE audit_log SET target_id = 'x' WHERE chain_seq = 2").await;
    tamper(&mut conn, "UPDATE audit_log a SET hash = audit_row_hash(a) WHERE chain_seq = 2").await;
    assert!(matches!(check(&mut conn).await, Err(Broken::Unlinked { seq: 3, .. })));

    // A row removed from the middle, and rows removed from the end.
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    for i in 0..5 {
        write(&mut conn, "test.write", &i.to_string()).await;
    }
    tamper(&mut conn, "DELETE FROM audit_log WHERE chain_seq = 2").await;
    assert!(matches!(check(&mut conn).await, Err(Broken::Missing { from: 2, to: 2, .. })));
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    for i in 0..5 {
        write(&mut conn, "test.write", &i.to_string()).await;
    }
    tamper(&mut conn, "DELETE FROM audit_log WHERE chain_seq >= 4").await;
    assert!(matches!(check(&mut conn).await, Err(Broken::Truncated { last: 3, head: 5 })));
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Nullable<Text>)]
    request_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ip: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audited_action_names_its_request() {
    let app = TestApp::spawn().await;
    let body =
        serde_json::json!({ "email": "rid@example.com", "username": "rid", "password": crate::support::app::PASSWORD });
    let res = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("x-request-id", "req-audit-1")
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201);
    let mut conn = app.db.conn().await;
    let rows: Vec<Row> = diesel::sql_query("SELECT action, request_id, ip FROM audit_log ORDER BY chain_seq")
        .load(&mut conn)
        .await
        .expect("rows");
    let row = rows.iter().find(|r| r.action == "auth.register").expect("registration audited");
    assert_eq!(row.request_id.as_deref(), Some("req-audit-1"));
    assert!(row.ip.is_some());
    check(&mut conn).await.unwrap_or_else(|e| panic!("{e}"));
}

#[derive(diesel::QueryableByName)]
struct AnchorRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    token: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_anchors_catch_a_cut_tail_and_a_rewritten_chain() {
    let app = TestApp::spawn().await;
    for name in ["anchored", "second", "third"] {
        app.register(name).await;
    }
    let mut conn = app.db.conn().await;
    // The node signs the head within audit.anchor_secs (1 s in the test config).
    let anchor: AnchorRow = crate::support::app::eventually(Duration::from_secs(10), "an anchor", || {
        let db = app.db.share();
        async move {
            let mut conn = db.conn().await;
            let rows: Vec<AnchorRow> = diesel::sql_query(
                "SELECT a.seq, a.token FROM audit_anchors a, audit_head h WHERE a.seq = h.seq ORDER BY a.id DESC LIMIT 1",
            )
            .load(&mut conn)
            .await
            .ok()?;
            rows.into_iter().next()
        }
    })
    .await;
    let vars = [("VEZA__DATABASE__URL", app.db.url.as_str())];
    let verify_cli = |extra: &[&str]| {
        let mut args = vec!["admin", "audit", "verify"];
        args.extend_from_slice(extra);
        run(&args, &vars)
    };
    let (status, out, err) = verify_cli(&["--anchor", &anchor.token]);
    assert!(status.success(), "{out} {err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert!(v["anchors"].as_u64().is_some_and(|n| n >= 1), "signatures checked: {v}");
    assert_eq!(v["outside"], 1);

    // A forged anchor (right row and hash, a token no key signed) is named.
    tamper(
        &mut conn,
        "INSERT INTO audit_anchors (seq, hash, node, token) SELECT seq, hash, 'forger', 'e30.e30.AAAA' FROM audit_head",
    )
    .await;
    let (status, _, err) = verify_cli(&[]);
    assert!(!status.success() && err.contains("forged anchor"), "{err}");
    tamper(&mut conn, "DELETE FROM audit_anchors WHERE node = 'forger'").await;

    // The last row cut and the head moved back with it: the chain alone holds, the anchor does not.
    tamper(
        &mut conn,
        &format!(
            "DELETE FROM audit_log WHERE chain_seq = {seq};\nUPDATE audit_head SET seq = {prev}, hash = (SELECT hash FROM audit_log WHERE chain_seq = {prev})",
            seq = anchor.seq,
            prev = anchor.seq - 1
        ),
    )
    .await;
    assert!(matches!(check(&mut conn).await, Err(Broken::PastEnd { seq, .. }) if seq == anchor.seq));

    // The anchors deleted too: only the copy kept outside the database tells.
    tamper(&mut conn, &format!("DELETE FROM audit_anchors WHERE seq >= {}", anchor.seq)).await;
    check(&mut conn).await.unwrap_or_else(|e| panic!("consistent inside the database: {e}"));
    let (status, _, err) = verify_cli(&["--anchor", &anchor.token]);
    assert!(!status.success() && err.contains(&format!("row {}", anchor.seq)), "{err}");
    let (status, _, err) = verify_cli(&["--anchor", "not-a-token"]);
    assert!(!status.success() && err.contains("cannot be checked"), "{err}");
}
