//! The blob store port against both backends: the local file system and a real S3-speaking
//! server (moto's server mode, started by `make test` through scripts/s3.sh; every test makes its
//! own bucket). The same checks run on both, then a whole node runs on S3.

use crate::market::body;
use crate::support::TestApp;
use crate::tracks::{fixture, upload};
use sha2::{Digest, Sha256};
use std::time::Duration;
use veza::infra::blobs::{BlobError, BlobKey, BlobStore, S3Settings};

fn s3_endpoint() -> String {
    format!("http://127.0.0.1:{}", std::env::var("VEZA_TEST_S3_PORT").unwrap_or_else(|_| "5055".into()))
}

fn s3_settings() -> S3Settings {
    S3Settings {
        endpoint: Some(s3_endpoint()),
        region: "us-east-1".into(),
        access_key_id: "veza-test".into(),
        secret_access_key: "veza-test-secret".into(),
        allow_http: true,
    }
}

/// A fresh bucket on the test S3 server.
async fn bucket() -> String {
    let name = format!("veza-{}", uuid::Uuid::now_v7().simple());
    // (also installs the TLS crypto provider the S3 client wants, as the node does)
    let res = crate::support::app::client().put(format!("{}/{name}", s3_endpoint())).send().await;
    let status = res.map(|r| r.status().as_u16()).unwrap_or(0);
    assert_eq!(status, 200, "bucket {name} on {} (is scripts/s3.sh running?)", s3_endpoint());
    name
}

/// What every backend must do, checked on `store`.
async fn exercise(store: &BlobStore, scratch: &std::path::Path) {
    // Larger than one 8 MiB part, not a multiple of any buffer.
    let body: Vec<u8> = (0..(9 * 1024 * 1024 + 12_345)).map(|i| (i * 31 % 251) as u8).collect();
    let sha = hex::encode(Sha256::digest(&body));
    let key = BlobKey::for_sha256(&sha).expect("key");
    std::fs::create_dir_all(scratch).expect("scratch");
    let src = scratch.join("blob.bin");
    std::fs::write(&src, &body).expect("write");
    assert!(!store.exists(&key).await.expect("exists"));
    store.adopt_file(&key, &src).await.expect("adopt");
    assert!(store.exists(&key).await.expect("exists"));
    assert_eq!(&store.read_range(&key, 5_000_000..5_000_100).await.expect("range")[..], &body[5_000_000..5_000_100]);
    let mut whole = Vec::new();
    let mut stream = store.read_stream(&key).await.expect("stream");
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        whole.extend_from_slice(&chunk.expect("chunk"));
    }
    assert!(whole == body, "read back whole ({} of {} bytes)", whole.len(), body.len());
    // Parts listed in offset order, then removed together.
    let upload = uuid::Uuid::now_v7();
    for offset in [20_000u64, 0, 10_000] {
        store.put_bytes(&BlobKey::upload_part(upload, offset), bytes::Bytes::from(vec![1u8; 10])).await.expect("part");
    }
    let parts = store.list(&BlobKey::upload_prefix(upload)).await.expect("list");
    let names: Vec<String> =
        parts.iter().map(|(k, _)| k.as_str().rsplit('/').next().unwrap_or_default().to_owned()).collect();
    assert_eq!(names, ["00000000000000000000", "00000000000000010000", "00000000000000020000"]);
    store.delete_all(&BlobKey::upload_prefix(upload)).await.expect("delete all");
    assert!(store.list(&BlobKey::upload_prefix(upload)).await.expect("list").is_empty());
    store.delete(&key).await.expect("delete");
    store.delete(&key).await.expect("deleting twice is no error");
    assert!(matches!(store.read_range(&key, 0..1).await, Err(BlobError::NotFound)));
}

#[tokio::test]
async fn the_local_store_keeps_the_contract() {
    let dir = std::env::temp_dir().join(format!("veza-store-{}", uuid::Uuid::now_v7()));
    let store =
        BlobStore::open(&format!("file://{}", dir.join("blobs").display()), &S3Settings::default()).expect("open");
    exercise(&store, &dir.join("scratch")).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_s3_store_keeps_the_same_contract() {
    let store = BlobStore::open(&format!("s3://{}", bucket().await), &s3_settings()).expect("open");
    let scratch = std::env::temp_dir().join(format!("veza-store-{}", uuid::Uuid::now_v7()));
    exercise(&store, &scratch).await;
    assert!(scratch.join("blob.bin").exists(), "S3 copies the file; the caller's temporary file stays its own");
    let _ = std::fs::remove_dir_all(&scratch);
}

#[tokio::test]
async fn a_node_on_s3_uploads_resumes_streams_and_deletes() {
    let bucket = bucket().await;
    let url = format!("s3://{bucket}");
    let endpoint = s3_endpoint();
    let app = TestApp::spawn_with(&[
        ("VEZA__TRACKS__STORAGE_URL", url.as_str()),
        ("VEZA__TRACKS__S3__ENDPOINT", endpoint.as_str()),
        ("VEZA__TRACKS__S3__ACCESS_KEY_ID", "veza-test"),
        ("VEZA__TRACKS__S3__SECRET_ACCESS_KEY", "veza-test-secret"),
        ("VEZA__TRACKS__S3__ALLOW_HTTP", "true"),
    ])
    .await;
    let (_, token, _) = app.user("clouded").await;
    let file = fixture("tone.mp3");
    let id = upload(&app, &token, "tone.mp3").await["id"].as_str().expect("id").to_owned();
    let stream = format!("/api/v1/tracks/{id}/stream");
    let res = app.client.get(app.url(&stream)).header("range", "bytes=100-4099").send().await.expect("range");
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.expect("body").as_ref(), &file[100..4100]);
    let res = app.get(&stream).await;
    assert_eq!(res.bytes().await.expect("body").as_ref(), &file[..]);

    // A resumable upload whose parts live in the bucket.
    let ogg = fixture("tone.ogg");
    let (status, u) = body(
        app.post_json("/api/v1/uploads", &serde_json::json!({ "size": ogg.len(), "filename": "o.ogg" }), Some(&token))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{u}");
    let uid = u["id"].as_str().expect("id").to_owned();
    for (i, piece) in ogg.chunks(4000).enumerate() {
        let res = app
            .client
            .patch(app.url(&format!("/api/v1/uploads/{uid}")))
            .bearer_auth(&token)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", (i * 4000).to_string())
            .body(piece.to_vec())
            .send()
            .await
            .expect("patch");
        assert_eq!(res.status(), 204);
    }
    let (status, t) =
        body(app.post_json(&format!("/api/v1/uploads/{uid}/finish"), &serde_json::json!({}), Some(&token)).await).await;
    assert_eq!((status, t["format"].as_str()), (201, Some("ogg")), "{t}");

    // Deleting takes the blob out of the bucket.
    let store = BlobStore::open(&url, &s3_settings()).expect("open");
    let key = BlobKey::for_sha256(&hex::encode(Sha256::digest(&file))).expect("key");
    assert!(store.exists(&key).await.expect("exists"));
    let res =
        app.client.delete(app.url(&format!("/api/v1/tracks/{id}"))).bearer_auth(&token).send().await.expect("delete");
    assert_eq!(res.status(), 204);
    crate::support::app::eventually(Duration::from_secs(5), "blob gone from the bucket", || async {
        (!store.exists(&key).await.unwrap_or(true)).then_some(())
    })
    .await;
    assert!(
        store.list(&BlobKey::upload_prefix(uuid::Uuid::parse_str(&uid).expect("uuid"))).await.expect("list").is_empty()
    );
}
