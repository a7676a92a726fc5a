//! Resumable uploads (tus) against a real node: resume after an interrupted chunk, offsets,
//! early refusal, checksum, quota, expiry and cleanup.

use crate::market::{body, count};
use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::db::files_dir;
use crate::tracks::{fixture, upload_with};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

async fn create(app: &TestApp, token: &str, size: usize, sha: Option<String>) -> (u16, serde_json::Value) {
    let b = json!({ "size": size, "filename": "My Song.flac", "sha256": sha });
    body(app.post_json("/api/v1/uploads", &b, Some(token)).await).await
}

async fn patch(app: &TestApp, token: &str, id: &str, offset: usize, bytes: &[u8]) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/uploads/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", offset.to_string())
        .header("tus-resumable", "1.0.0")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("patch")
}

async fn server_offset(app: &TestApp, token: &str, id: &str) -> (u16, Option<usize>) {
    let res = app.client.head(app.url(&format!("/api/v1/uploads/{id}"))).bearer_auth(token).send().await.expect("head");
    let offset = res.headers().get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    (res.status().as_u16(), offset)
}

fn parts(app: &TestApp) -> usize {
    let dir = files_dir(&app.db.url).join("blobs").join("uploads");
    std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| std::fs::read_dir(e.path()).map(|p| p.count()).unwrap_or(0)).sum())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_interrupted_upload_resumes_from_the_server_offset() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("commuter").await;
    let file = fixture("tone.flac");
    let sha = hex::encode(Sha256::digest(&file));
    let (status, u) = create(&app, &token, file.len(), Some(sha)).await;
    assert_eq!((status, u["offset"].as_i64()), (201, Some(0)), "{u}");
    let id = u["id"].as_str().expect("id").to_owned();

    let res = patch(&app, &token, &id, 0, &file[..10_000]).await;
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["upload-offset"], "10000");
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    // A chunk for the wrong place: 409, and the server's offset does not move.
    let (status, p) = body(patch(&app, &token, &id, 0, &file[..100]).await).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("offset_mismatch")), "{p}");
    // A chunk cut off mid-way: what arrived is kept.
    let mut sock = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let head = format!(
        "PATCH /api/v1/uploads/{id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 10000\r\nContent-Length: 8000\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.expect("head");
    sock.write_all(&file[10_000..15_000]).await.expect("part");
    sock.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(sock);
    let resumed = eventually(Duration::from_secs(5), "the cut chunk kept", || async {
        match server_offset(&app, &token, &id).await {
            (200, Some(o)) if o > 10_000 => Some(o),
            _ => None,
        }
    })
    .await;
    assert_eq!(resumed, 15_000);
    // Finishing early is refused; the rest from the server's offset completes it.
    let (status, p) =
        body(app.post_json(&format!("/api/v1/uploads/{id}/finish"), &json!({}), Some(&token)).await).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("upload_incomplete")));
    assert_eq!(patch(&app, &token, &id, resumed, &file[resumed..]).await.status(), 204);
    let (status, t) =
        body(app.post_json(&format!("/api/v1/uploads/{id}/finish"), &json!({ "tags": ["Demo"] }), Some(&token)).await)
            .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(
        (t["format"].as_str(), t["title"].as_str(), t["tags"].clone()),
        (Some("flac"), Some("Fixture Tone"), json!(["demo"]))
    );
    assert_eq!(t["size_bytes"].as_u64(), Some(file.len() as u64));
    assert_eq!(count(&app, "SELECT count(*) AS n FROM uploads").await, 0);
    assert_eq!(parts(&app), 0, "the parts went after the track was made");
    let (_, streamed) = (0, app.get(&format!("/api/v1/tracks/{}/stream", t["id"].as_str().unwrap_or_default())).await);
    assert_eq!(streamed.bytes().await.expect("body").as_ref(), &file[..]);
    assert_eq!(server_offset(&app, &token, &id).await.0, 404);
}

#[tokio::test]
async fn refusals_checksum_quota_and_expiry() {
    let app = TestApp::spawn_with(&[("VEZA__TRACKS__QUOTA_BYTES", "60000")]).await;
    let (_, token, _) = app.user("careful").await;
    let (_, other, _) = app.user("nosy").await;

    // A PNG is refused at its first chunk, and the upload is gone.
    let png = fixture("image.mp3");
    let (_, u) = create(&app, &token, png.len(), None).await;
    let id = u["id"].as_str().expect("id").to_owned();
    let (status, p) = body(patch(&app, &token, &id, 0, &png).await).await;
    assert_eq!((status, p["code"].as_str()), (415, Some("unsupported_audio")), "{p}");
    assert_eq!(server_offset(&app, &token, &id).await.0, 404);

    // Bytes that are not the ones announced.
    let file = fixture("tone.ogg");
    let (_, u) = create(&app, &token, file.len(), Some("ab".repeat(32))).await;
    let id = u["id"].as_str().expect("id").to_owned();
    assert_eq!(patch(&app, &token, &id, 0, &file).await.status(), 204);
    assert_eq!(server_offset(&app, &other, &id).await.0, 404, "another's upload does not exist");
    let (status, p) =
        body(app.post_json(&format!("/api/v1/uploads/{id}/finish"), &json!({}), Some(&token)).await).await;
    assert_eq!((status, p["code"].as_str()), (422, Some("checksum_mismatch")));
    let res =
        app.client.delete(app.url(&format!("/api/v1/uploads/{id}"))).bearer_auth(&token).send().await.expect("delete");
    assert_eq!(res.status(), 204);
    assert_eq!(parts(&app), 0);

    // Unfinished uploads count against the quota.
    let (status, u) = create(&app, &token, 40_000, None).await;
    assert_eq!(status, 201);
    let (status, p) = upload_with(&app, &token, Some(("f.flac", &fixture("tone.flac"))), &[]).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("quota_exceeded")), "40,000 + 24,929 > 60,000");
    let (status, p) = create(&app, &token, 30_000, None).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("quota_exceeded")));
    let (status, p) = create(&app, &token, 300 * 1024 * 1024, None).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("upload_too_large")));
    let id = u["id"].as_str().expect("id").to_owned();
    assert_eq!(patch(&app, &token, &id, 0, &fixture("tone.mp3")[..5000]).await.status(), 204);
    // Expired: 410, then the sweeper takes the row and its parts, and the quota comes back.
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE uploads SET expires_at = now() - interval '1 second'"),
        &mut app.db.conn().await,
    )
    .await
    .expect("expire");
    // 410 while the expired row lasts; the sweeper (every 200 ms here) may take it first: 404.
    let status = server_offset(&app, &token, &id).await.0;
    assert!(status == 410 || status == 404, "expired upload: {status}");
    eventually(Duration::from_secs(5), "expired upload swept", || async { (parts(&app) == 0).then_some(()) }).await;
    eventually(Duration::from_secs(5), "expired row swept", || async {
        (count(&app, "SELECT count(*) AS n FROM uploads").await == 0).then_some(())
    })
    .await;
    let (status, _) = upload_with(&app, &token, Some(("f.flac", &fixture("tone.flac"))), &[]).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn tus_clients_create_with_headers() {
    use base64::Engine;
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("tusclient").await;
    let file = fixture("tone.wav");
    let name = base64::engine::general_purpose::STANDARD.encode("Take_one.wav");
    let res = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", file.len().to_string())
        .header("upload-metadata", format!("filename {name}"))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().expect("location").to_owned();
    assert!(res.headers().contains_key("upload-expires"));
    let id = location.rsplit('/').next().expect("id").to_owned();
    for (i, piece) in file.chunks(30_000).enumerate() {
        assert_eq!(patch(&app, &token, &id, i * 30_000, piece).await.status(), 204);
    }
    let (status, t) =
        body(app.post_json(&format!("{location}/finish"), &json!({ "title": "Take One" }), Some(&token)).await).await;
    assert_eq!((status, t["title"].as_str(), t["format"].as_str()), (201, Some("Take One"), Some("wav")), "{t}");
    let res =
        app.client.patch(app.url(&location)).bearer_auth(&token).header("upload-offset", "0").body("x").send().await;
    assert_eq!(res.expect("patch").status(), 415, "not offset+octet-stream");
}
