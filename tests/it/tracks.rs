//! Tracks against a real node: uploads decided by content, metadata, limits, dedup, storage
//! reference counts, the Range matrix byte for byte, validators, authorization.

use crate::market::{body, category, count, listing_body};
use crate::support::TestApp;
use crate::support::db::files_dir;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A `multipart/form-data` body: its content type and bytes.
pub fn form(file: Option<(&str, &[u8])>, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "veza-test-boundary-7d1c";
    let mut b = Vec::new();
    for (name, value) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

pub async fn upload_with(
    app: &TestApp,
    token: &str,
    file: Option<(&str, &[u8])>,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let (ct, bytes) = form(file, fields);
    let res = app
        .client
        .post(app.url("/api/v1/tracks"))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(bytes)
        .send()
        .await
        .expect("upload");
    body(res).await
}

pub async fn upload(app: &TestApp, token: &str, name: &str) -> Value {
    let (status, v) = upload_with(app, token, Some((name, &fixture(name))), &[]).await;
    assert_eq!(status, 201, "{name}: {v}");
    v
}

/// Files under `dir` (recursively).
fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files_in(&p)) } else { out.push(p) }
    }
    out
}

fn blob_files(app: &TestApp) -> Vec<PathBuf> {
    files_in(&files_dir(&app.db.url).join("blobs"))
}

fn spooled_files(app: &TestApp) -> Vec<PathBuf> {
    files_in(&files_dir(&app.db.url).join("spool"))
}

/// A mono 16-bit PCM WAV of `seconds` of a 440 Hz tone at 22,050 Hz.
pub fn wav(seconds: f32, rate: u32) -> Vec<u8> {
    let n = (seconds * rate as f32) as u32;
    let mut b = Vec::with_capacity(44 + 2 * n as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(2 * n).to_le_bytes());
    for i in 0..n {
        let s = (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 0.5;
        b.extend_from_slice(&((s * i16::MAX as f32) as i16).to_le_bytes());
    }
    b
}

#[tokio::test]
async fn every_format_is_read_from_its_content_and_refusals_leave_nothing() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("composer").await;
    let cases = [
        ("tone.mp3", "mp3", "mp3", 44_100, 2),
        ("tone.flac", "flac", "flac", 22_050, 1),
        ("tone.ogg", "ogg", "vorbis", 44_100, 2),
        ("tone.opus", "opus", "opus", 48_000, 2),
        ("tone.wav", "wav", "pcm_s16le", 22_050, 1),
        ("tone.m4a", "m4a", "aac", 44_100, 2),
    ];
    for (name, format, codec, rate, channels) in cases {
        // The name lies on purpose: only the content decides.
        let bytes = fixture(name);
        let (status, v) = upload_with(&app, &token, Some(("misnamed.bin", &bytes)), &[]).await;
        assert_eq!(status, 201, "{name}: {v}");
        assert_eq!((v["format"].as_str(), v["codec"].as_str()), (Some(format), Some(codec)), "{name}");
        assert_eq!((v["sample_rate"].as_i64(), v["channels"].as_i64()), (Some(rate), Some(channels)), "{name}");
        let ms = v["duration_ms"].as_i64().unwrap_or(0);
        assert!((1950..=2100).contains(&ms), "{name}: {ms} ms");
        assert_eq!(v["size_bytes"].as_u64(), Some(bytes.len() as u64), "{name}");
        assert_eq!((v["title"].as_str(), v["artist"].as_str()), (Some("Fixture Tone"), Some("Veza Test")), "{name}");
        assert_eq!((v["album"].as_str(), v["year"].as_i64()), (Some("Fixtures"), Some(2024)), "{name}");
        assert_eq!(v["track_number"].as_i64(), Some(3), "{name}");
        assert!(v["bitrate"].as_i64().unwrap_or(0) > 0 && v["loudness_lufs"].is_number(), "{name}: {v}");
        assert_eq!((v["visibility"].as_str(), v["plays"].as_i64()), (Some("public"), Some(0)), "{name}");
    }
    // The same bytes again: the existing track, 200, no second copy.
    let (status, again) = upload_with(&app, &token, Some(("tone.wav", &fixture("tone.wav"))), &[]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM tracks").await, 6);
    assert_eq!(blob_files(&app).len(), 6, "one stored file per distinct upload");

    // Disguises, truncation and emptiness are 415 and leave no file and no row.
    for name in ["image.mp3", "truncated.mp3", "empty.mp3"] {
        let (status, p) = upload_with(&app, &token, Some((name, &fixture(name))), &[]).await;
        assert_eq!((status, p["code"].as_str()), (415, Some("unsupported_audio")), "{name}: {p}");
    }
    // Plain text sent as audio, with a friendly name.
    let (status, p) = upload_with(&app, &token, Some(("song.flac", b"fLaC is not enough")), &[]).await;
    assert_eq!((status, p["code"].as_str()), (415, Some("unsupported_audio")), "{p}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM tracks").await, 6);
    assert_eq!(blob_files(&app).len(), 6);
    assert!(spooled_files(&app).is_empty(), "no temporary file left: {:?}", spooled_files(&app));

    // The form's own fields win over the tags; bad ones are 422 on their field.
    let tone = wav(0.5, 8000);
    let fields = [("title", "  My Take "), ("tags", "Lo-Fi, chill"), ("visibility", "private")];
    let (status, v) = upload_with(&app, &token, Some(("take_two.wav", &tone)), &fields).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!((v["title"].as_str(), v["visibility"].as_str()), (Some("My Take"), Some("private")));
    assert_eq!(v["tags"], json!(["lo-fi", "chill"]));
    let (status, v) = upload_with(&app, &token, Some(("take_three.wav", &wav(0.6, 8000))), &[]).await;
    assert_eq!((status, v["title"].as_str()), (201, Some("take three")), "no title tag: the file name");
    let (status, p) = upload_with(&app, &token, Some(("x.wav", &wav(0.7, 8000))), &[("visibility", "secret")]).await;
    assert_eq!(status, 422, "{p}");
    assert!(p["errors"]["visibility"].is_array(), "{p}");
    let (status, p) = upload_with(&app, &token, None, &[("title", "no file")]).await;
    assert!(status == 422 && p["errors"]["file"].is_array(), "{status} {p}");
    let res = app
        .client
        .post(app.url("/api/v1/tracks"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(body(res).await.0, 415, "not a form");
}

#[tokio::test]
async fn size_limit_and_quota_refuse_at_once_and_keep_nothing() {
    let app =
        TestApp::spawn_with(&[("VEZA__TRACKS__MAX_UPLOAD_BYTES", "30000"), ("VEZA__TRACKS__QUOTA_BYTES", "40000")])
            .await;
    let (_, token, _) = app.user("hoarder").await;
    let (status, p) = upload_with(&app, &token, Some(("tone.wav", &fixture("tone.wav"))), &[]).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("upload_too_large")), "{p}");
    upload(&app, &token, "tone.flac").await; // 24,929 bytes
    let (status, p) = upload_with(&app, &token, Some(("tone.mp3", &fixture("tone.mp3"))), &[]).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("quota_exceeded")), "16,663 more is past 40,000: {p}");
    upload(&app, &token, "tone.ogg").await; // 8,828 bytes fit
    assert_eq!(count(&app, "SELECT count(*) AS n FROM tracks").await, 2);
    assert_eq!(blob_files(&app).len(), 2);
    assert!(spooled_files(&app).is_empty());
    // Another user has their own quota.
    let (_, other, _) = app.user("neighbour").await;
    upload(&app, &other, "tone.mp3").await;
}

async fn stream(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("stream")
}

#[tokio::test]
async fn the_range_matrix_is_byte_exact_and_validators_hold() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("streamer").await;
    let file = fixture("tone.mp3");
    let len = file.len();
    let id = upload(&app, &token, "tone.mp3").await["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/tracks/{id}/stream");

    let whole = stream(&app, &path, &[]).await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()["content-type"], "audio/mpeg");
    let etag = whole.headers()["etag"].to_str().expect("etag").to_owned();
    let last_modified = whole.headers()["last-modified"].to_str().expect("date").to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong: {etag}");
    assert_eq!(whole.bytes().await.expect("body").as_ref(), &file[..]);

    let cases: [(String, usize, usize); 5] = [
        ("bytes=0-0".into(), 0, 0),
        (format!("bytes={}-{}", len - 1, len - 1), len - 1, len - 1),
        ("bytes=-100".into(), len - 100, len - 1),
        ("bytes=1000-".into(), 1000, len - 1),
        (format!("bytes=100-{}", len + 5000), 100, len - 1),
    ];
    for (range, a, b) in cases {
        let res = stream(&app, &path, &[("range", &range)]).await;
        assert_eq!(res.status(), 206, "{range}");
        assert_eq!(res.headers()["content-range"], format!("bytes {a}-{b}/{len}"), "{range}");
        assert_eq!(res.bytes().await.expect("body").as_ref(), &file[a..=b], "{range}");
    }
    // Beyond the end: 416 with the length; inverted or malformed: the whole file.
    let res = stream(&app, &path, &[("range", &format!("bytes={len}-"))]).await;
    assert_eq!(res.status(), 416);
    assert_eq!(res.headers()["content-range"], format!("bytes */{len}"));
    let (_, p) = body(res).await;
    assert_eq!(p["code"], "range_not_satisfiable");
    for bad in ["bytes=500-100", "bytes=abc", "pages=1-2", "bytes="] {
        let res = stream(&app, &path, &[("range", bad)]).await;
        assert_eq!(res.status(), 200, "{bad}");
        assert_eq!(res.bytes().await.expect("body").len(), len, "{bad}");
    }
    // Several ranges: multipart/byteranges, each part exact.
    let res = stream(&app, &path, &[("range", "bytes=0-9,2000-2099")]).await;
    assert_eq!(res.status(), 206);
    let ct = res.headers()["content-type"].to_str().expect("ct").to_owned();
    let boundary = ct.strip_prefix("multipart/byteranges; boundary=").expect("multipart").to_owned();
    let raw = res.bytes().await.expect("body");
    let mut expected = Vec::new();
    for (i, (a, b)) in [(0usize, 9usize), (2000, 2099)].into_iter().enumerate() {
        let lead = if i == 0 { "" } else { "\r\n" };
        expected.extend_from_slice(
            format!("{lead}--{boundary}\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes {a}-{b}/{len}\r\n\r\n")
                .as_bytes(),
        );
        expected.extend_from_slice(&file[a..=b]);
    }
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(raw.as_ref(), &expected[..]);

    // Validators: If-None-Match -> 304; If-Range with another validator -> the whole file.
    assert_eq!(stream(&app, &path, &[("if-none-match", &etag)]).await.status(), 304);
    let res = stream(&app, &path, &[("range", "bytes=0-9"), ("if-range", "\"other\"")]).await;
    assert_eq!(res.status(), 200);
    let res = stream(&app, &path, &[("range", "bytes=0-9"), ("if-range", &etag)]).await;
    assert_eq!(res.status(), 206);
    let res = stream(&app, &path, &[("range", "bytes=0-9"), ("if-range", &last_modified)]).await;
    assert_eq!(res.status(), 206, "a date not before the last change holds");
    let head = app.client.head(app.url(&path)).send().await.expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], len.to_string().as_str());

    // The waveform: 1,800 (min, max) pairs in -1..=1, with an ETag.
    let res = stream(&app, &format!("/api/v1/tracks/{id}/waveform"), &[]).await;
    let wtag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let (status, w) = body(res).await;
    assert_eq!((status, w["points"].as_u64()), (200, Some(1800)));
    let peaks = w["peaks"].as_array().expect("peaks");
    assert_eq!(peaks.len(), 3600);
    assert!(peaks.iter().all(|p| p.as_f64().is_some_and(|x| (-1.0..=1.0).contains(&x))));
    assert!(peaks.iter().any(|p| p.as_f64().unwrap_or(0.0) > 0.1), "a tone is not silence");
    assert_eq!(stream(&app, &format!("/api/v1/tracks/{id}/waveform"), &[("if-none-match", &wtag)]).await.status(), 304);
    // No cover in this file.
    assert_eq!(stream(&app, &format!("/api/v1/tracks/{id}/cover"), &[]).await.status(), 404);
}

#[tokio::test]
async fn only_owners_edit_and_private_tracks_do_not_exist_for_others() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("owner").await;
    let (_, other, _) = app.user("stranger").await;
    let public = upload(&app, &owner, "tone.ogg").await["id"].as_str().expect("id").to_owned();
    let (status, v) =
        upload_with(&app, &owner, Some(("p.opus", &fixture("tone.opus"))), &[("visibility", "private")]).await;
    assert_eq!(status, 201, "{v}");
    let private = v["id"].as_str().expect("id").to_owned();

    let send = |m: Method, path: String, token: Option<String>, b: Option<Value>| {
        let app = &app;
        async move {
            let mut req = app.client.request(m, app.url(&path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = b {
                req = req.json(&b);
            }
            req.send().await.expect("send").status().as_u16()
        }
    };
    let o = Some(other.clone());
    for suffix in ["", "/stream", "/waveform"] {
        assert_eq!(send(Method::GET, format!("/api/v1/tracks/{private}{suffix}"), o.clone(), None).await, 404);
        assert_eq!(send(Method::GET, format!("/api/v1/tracks/{private}{suffix}"), None, None).await, 404);
        assert_eq!(
            send(Method::GET, format!("/api/v1/tracks/{private}{suffix}"), Some(owner.clone()), None).await,
            200
        );
        assert_eq!(send(Method::GET, format!("/api/v1/tracks/{public}{suffix}"), None, None).await, 200);
    }
    let edit = Some(json!({ "title": "Stolen" }));
    assert_eq!(send(Method::PATCH, format!("/api/v1/tracks/{private}"), o.clone(), edit.clone()).await, 404);
    assert_eq!(send(Method::PATCH, format!("/api/v1/tracks/{public}"), o.clone(), edit.clone()).await, 403);
    assert_eq!(send(Method::DELETE, format!("/api/v1/tracks/{private}"), o.clone(), None).await, 404);
    assert_eq!(send(Method::DELETE, format!("/api/v1/tracks/{public}"), o.clone(), None).await, 403);
    assert_eq!(send(Method::PATCH, format!("/api/v1/tracks/{public}"), None, edit).await, 401);

    // The owner edits; bad edits are 422.
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/tracks/{public}")))
        .bearer_auth(&owner)
        .json(&json!({ "title": " Night Drive ", "tags": ["Synth", "synth"], "visibility": "private" }))
        .send()
        .await
        .expect("patch");
    let (status, v) = body(res).await;
    assert_eq!((status, v["title"].as_str(), v["tags"].clone()), (200, Some("Night Drive"), json!(["synth"])));
    assert_eq!(send(Method::GET, format!("/api/v1/tracks/{public}"), None, None).await, 404, "now private");
    for bad in [json!({ "title": "" }), json!({ "tags": ["x".repeat(33)] }), json!({ "visibility": "hidden" })] {
        assert_eq!(send(Method::PATCH, format!("/api/v1/tracks/{public}"), Some(owner.clone()), Some(bad)).await, 422);
    }

    // Lists: others see public tracks only; the owner sees theirs; q and tag filter.
    let (_, page) = body(app.get_auth("/api/v1/tracks?owner=owner", &other).await).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0), "both private now: {page}");
    let (_, page) = body(app.get_auth("/api/v1/tracks?owner=owner", &owner).await).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let (_, page) = body(app.get_auth("/api/v1/tracks?q=night&tag=synth", &owner).await).await;
    assert_eq!(page["items"][0]["id"], json!(public), "{page}");
    let (status, _) = body(app.get("/api/v1/tracks?sort=relevance").await).await;
    assert_eq!(status, 422, "relevance needs q");
    let (status, _) = body(app.get("/api/v1/tracks?cursor=zzz").await).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn shared_blobs_are_counted_and_removed_after_the_last_track() {
    let app = TestApp::spawn().await;
    let (_, a, _) = app.user("alpha").await;
    let (b_id, b, _) = app.user("bravo").await;
    let ta = upload(&app, &a, "tone.flac").await["id"].as_str().expect("id").to_owned();
    let tb = upload(&app, &b, "tone.flac").await["id"].as_str().expect("id").to_owned();
    assert_ne!(ta, tb, "two owners, two tracks");
    assert_eq!(blob_files(&app).len(), 1, "one stored copy");
    assert_eq!(count(&app, "SELECT refs::bigint AS n FROM blobs").await, 2);

    // A listing's track must be its seller's.
    let cat = category(&app, "synthesizers").await;
    let mut l = listing_body("Zoom H5", &cat, 20_000, "EUR", false);
    l["track_id"] = json!(ta);
    let (status, p) = body(app.post_json("/api/v1/listings", &l, Some(&b)).await).await;
    assert!(status == 422 && p["errors"]["track_id"].is_array(), "another's track: {status} {p}");
    l["track_id"] = json!(tb);
    let (status, listing) = body(app.post_json("/api/v1/listings", &l, Some(&b)).await).await;
    assert_eq!((status, listing["track_id"].as_str()), (201, Some(tb.as_str())), "{listing}");

    let del = |token: String, id: String| {
        let app = &app;
        async move {
            let res = app.client.delete(app.url(&format!("/api/v1/tracks/{id}"))).bearer_auth(token).send().await;
            res.expect("delete").status().as_u16()
        }
    };
    assert_eq!(del(a.clone(), ta.clone()).await, 204);
    assert_eq!(blob_files(&app).len(), 1, "bravo's track still needs it");
    assert_eq!(del(b.clone(), tb.clone()).await, 204);
    assert_eq!(del(b.clone(), tb.clone()).await, 404);
    assert!(blob_files(&app).is_empty(), "the last reference took the file");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM blobs").await, 0);
    let lid = listing["id"].as_str().expect("id");
    let (_, v) = body(app.get_auth(&format!("/api/v1/listings/{lid}"), &b).await).await;
    assert!(v["track_id"].is_null(), "the listing lost its deleted track: {v}");
    let _ = b_id;
}

#[tokio::test]
async fn a_dropped_upload_leaves_no_file_and_no_row() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("flaky").await;
    let big = wav(20.0, 22_050); // ~880 KB
    let (ct, bytes) = form(Some(("big.wav", &big)), &[]);
    let mut sock = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/tracks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    );
    sock.write_all(head.as_bytes()).await.expect("head");
    sock.write_all(&bytes[..bytes.len() / 2]).await.expect("half");
    sock.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(sock);
    crate::support::app::eventually(Duration::from_secs(5), "spool emptied", || async {
        spooled_files(&app).is_empty().then_some(())
    })
    .await;
    assert_eq!(count(&app, "SELECT count(*) AS n FROM tracks").await, 0);
    assert!(blob_files(&app).is_empty());
}

#[tokio::test]
async fn idempotent_uploads_replay_without_buffering_the_body() {
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("retrier").await;
    let big = wav(30.0, 22_050); // ~1.3 MB: past the 1 MiB the buffering middleware would take
    let (ct, bytes) = form(Some(("long.wav", &big)), &[("title", "Long")]);
    let send = |key: &'static str, bytes: Vec<u8>| {
        let (app, ct, token) = (&app, ct.clone(), token.clone());
        async move {
            app.client
                .post(app.url("/api/v1/tracks"))
                .bearer_auth(token)
                .header("content-type", ct)
                .header("idempotency-key", key)
                .body(bytes)
                .send()
                .await
                .expect("upload")
        }
    };
    let first = send("upload-1", bytes.clone()).await;
    assert_eq!(first.status(), 201);
    let id = body(first).await.1["id"].clone();
    let again = send("upload-1", bytes.clone()).await;
    assert_eq!(again.status(), 201, "the first answer, replayed");
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(body(again).await.1["id"], id);
    let (ct2, other) = form(Some(("long.wav", &big)), &[("title", "Other")]);
    let res = app
        .client
        .post(app.url("/api/v1/tracks"))
        .bearer_auth(&token)
        .header("content-type", ct2)
        .header("idempotency-key", "upload-1")
        .body(other)
        .send()
        .await
        .expect("upload");
    let (status, p) = body(res).await;
    assert_eq!((status, p["code"].as_str()), (422, Some("idempotency_key_reused")));
}

#[tokio::test]
async fn covers_are_served_as_stored_and_scaled_and_go_with_their_track() {
    use lofty::file::{AudioFile, TaggedFileExt};
    use lofty::picture::{MimeType, Picture, PictureType};
    let app = TestApp::spawn().await;
    let (_, token, _) = app.user("artist").await;
    // An mp3 with a 300 x 200 PNG cover, made here with the same tag library the server reads.
    let img =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([x as u8, y as u8, 7])));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).expect("png");
    let png = png.into_inner();
    let path = std::env::temp_dir().join(format!("covered-{}.mp3", uuid::Uuid::now_v7()));
    std::fs::write(&path, fixture("tone.mp3")).expect("copy");
    let mut tagged = lofty::read_from_path(&path).expect("read tags");
    let tag = tagged.primary_tag_mut().expect("a tag");
    tag.push_picture(
        Picture::unchecked(png.clone()).pic_type(PictureType::CoverFront).mime_type(MimeType::Png).build(),
    );
    tagged.save_to_path(&path, lofty::config::WriteOptions::default()).expect("save");
    let bytes = std::fs::read(&path).expect("read");
    let _ = std::fs::remove_file(&path);

    let (status, v) = upload_with(&app, &token, Some(("covered.mp3", &bytes)), &[]).await;
    assert_eq!((status, v["has_cover"].as_bool()), (201, Some(true)), "{v}");
    let id = v["id"].as_str().expect("id").to_owned();
    let res = stream(&app, &format!("/api/v1/tracks/{id}/cover"), &[]).await;
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap_or_default()), (200, "image/png"));
    assert_eq!(res.bytes().await.expect("body").as_ref(), &png[..], "as stored");
    let res = stream(&app, &format!("/api/v1/tracks/{id}/cover?size=64"), &[]).await;
    assert_eq!(
        (res.status().as_u16(), res.headers()["content-type"].to_str().unwrap_or_default()),
        (200, "image/jpeg")
    );
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let small = image::load_from_memory(&res.bytes().await.expect("body")).expect("a JPEG");
    assert_eq!(small.width().max(small.height()), 64, "fits 64 x 64");
    assert_eq!(
        stream(&app, &format!("/api/v1/tracks/{id}/cover?size=64"), &[("if-none-match", &etag)]).await.status(),
        304
    );
    let res = stream(&app, &format!("/api/v1/tracks/{id}/cover?size=1024"), &[]).await;
    let same = image::load_from_memory(&res.bytes().await.expect("body")).expect("an image");
    assert_eq!((same.width(), same.height()), (300, 200), "never enlarged");
    assert_eq!(stream(&app, &format!("/api/v1/tracks/{id}/cover?size=100"), &[]).await.status(), 422);
    // Audio, cover and the two scaled covers: four files; deleting the track takes them all.
    assert_eq!(blob_files(&app).len(), 4, "{:?}", blob_files(&app));
    let res =
        app.client.delete(app.url(&format!("/api/v1/tracks/{id}"))).bearer_auth(&token).send().await.expect("delete");
    assert_eq!(res.status(), 204);
    crate::support::app::eventually(Duration::from_secs(5), "every blob removed", || async {
        blob_files(&app).is_empty().then_some(())
    })
    .await;
}
