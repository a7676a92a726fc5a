//! Playlists against a real node: versions and If-Match, positions that survive inserts and
//! reorders, private tracks, concurrent edits from parallel clients, live pushes.

use crate::market::body;
use crate::support::TestApp;
use crate::support::ws::ChatClient;
use crate::tracks::{upload, upload_with, wav};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    m: Method,
    path: &str,
    token: &str,
    b: Option<Value>,
    if_match: Option<&str>,
) -> (u16, Value, String) {
    let mut req = app.client.request(m, app.url(path)).bearer_auth(token);
    if let Some(b) = b {
        req = req.json(&b);
    }
    if let Some(v) = if_match {
        req = req.header("if-match", v);
    }
    let res = req.send().await.expect("send");
    let etag = res.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (status, v) = body(res).await;
    (status, v, etag)
}

fn ids(v: &Value) -> Vec<String> {
    v["tracks"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["track"]["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// `n` tracks of `token`'s, each its own bytes.
async fn tracks(app: &TestApp, token: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let tone = wav(0.2 + i as f32 * 0.01, 8000);
        let (status, v) = upload_with(app, token, Some(("t.wav", &tone)), &[("title", &format!("T{i}"))]).await;
        assert_eq!(status, 201, "{v}");
        out.push(v["id"].as_str().expect("id").to_owned());
    }
    out
}

#[tokio::test]
async fn versions_positions_and_visibility() {
    let app = TestApp::spawn().await;
    let (_, me, _) = app.user("curator").await;
    let (_, other, _) = app.user("visitor").await;
    let t = tracks(&app, &me, 4).await;
    let mut ws = ChatClient::connect(app.addr, &me).await;

    let (status, p, etag) = send(
        &app,
        Method::POST,
        "/api/v1/playlists",
        &me,
        Some(json!({ "name": " Road trip ", "public": true })),
        None,
    )
    .await;
    assert_eq!((status, p["name"].as_str(), p["version"].as_i64()), (201, Some("Road trip"), Some(1)));
    assert_eq!(etag, "\"1\"");
    let id = p["id"].as_str().expect("id").to_owned();
    assert_eq!(ws.expect("event").await["kind"], "playlist.updated");
    let path = format!("/api/v1/playlists/{id}");
    let add = |track: &str, position: Option<u32>| json!({ "track_id": track, "position": position });

    // Appends, then inserts at the start and in the middle: nothing is renumbered.
    let tracks_path = format!("{path}/tracks");
    send(&app, Method::POST, &tracks_path, &me, Some(add(&t[0], None)), None).await;
    send(&app, Method::POST, &tracks_path, &me, Some(add(&t[1], None)), None).await;
    send(&app, Method::POST, &tracks_path, &me, Some(add(&t[2], Some(0))), None).await;
    let (status, p, etag) = send(&app, Method::POST, &tracks_path, &me, Some(add(&t[3], Some(2))), None).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(ids(&p), [t[2].clone(), t[0].clone(), t[3].clone(), t[1].clone()]);
    assert_eq!((p["version"].as_i64(), etag.as_str()), (Some(5), "\"5\""));
    let (status, e, _) = send(&app, Method::POST, &tracks_path, &me, Some(add(&t[0], None)), None).await;
    assert_eq!((status, e["code"].as_str()), (409, Some("track_in_playlist")));

    // PATCH needs the version: none 428, a stale one 412, the current one 200.
    let rename = json!({ "name": "Night drive" });
    let (status, e, _) = send(&app, Method::PATCH, &path, &me, Some(rename.clone()), None).await;
    assert_eq!((status, e["code"].as_str()), (428, Some("precondition_required")));
    let (status, e, _) = send(&app, Method::PATCH, &path, &me, Some(rename.clone()), Some("\"4\"")).await;
    assert_eq!((status, e["code"].as_str()), (412, Some("playlist_changed")));
    let (status, p, _) = send(&app, Method::PATCH, &path, &me, Some(rename), Some("\"5\"")).await;
    assert_eq!((status, p["name"].as_str()), (200, Some("Night drive")));

    // A full order lists exactly the current tracks.
    let v = p["version"].as_i64().unwrap_or(0).to_string();
    let v = format!("\"{v}\"");
    let order = |ids: &[&String]| json!({ "track_ids": ids });
    let order_path = format!("{path}/order");
    for bad in [
        order(&[&t[0], &t[1], &t[2]]),
        order(&[&t[0], &t[1], &t[2], &t[3], &t[3]]),
        order(&[&t[0], &t[1], &t[2], &t[2]]),
    ] {
        let (status, e, _) = send(&app, Method::PUT, &order_path, &me, Some(bad), Some(&v)).await;
        assert_eq!((status, e["code"].as_str()), (409, Some("order_mismatch")), "{e}");
    }
    let (status, p, _) =
        send(&app, Method::PUT, &order_path, &me, Some(order(&[&t[3], &t[2], &t[1], &t[0]])), Some(&v)).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(ids(&p), [t[3].clone(), t[2].clone(), t[1].clone(), t[0].clone()]);
    // And inserts still work between reordered tracks.
    let (_, v) = upload_with(&app, &me, Some(("extra.wav", &wav(1.5, 8000))), &[]).await;
    let extra = v["id"].as_str().expect("id").to_owned();
    let (_, p, _) = send(&app, Method::POST, &tracks_path, &me, Some(add(&extra, Some(1))), None).await;
    assert_eq!(ids(&p), [t[3].clone(), extra.clone(), t[2].clone(), t[1].clone(), t[0].clone()]);
    let (status, p, _) = send(&app, Method::DELETE, &format!("{tracks_path}/{}", t[2]), &me, None, None).await;
    assert_eq!((status, ids(&p).len()), (200, 4));

    // Others: read a public playlist, never change it; another's private track cannot go in.
    let (status, _, _) = send(&app, Method::GET, &path, &other, None, None).await;
    assert_eq!(status, 200);
    let (status, _, _) = send(&app, Method::POST, &tracks_path, &other, Some(add(&t[0], None)), None).await;
    assert_eq!(status, 403);
    let (status, _, _) = send(&app, Method::DELETE, &path, &other, None, None).await;
    assert_eq!(status, 403);
    let (_, v) = upload_with(&app, &other, Some(("p.wav", &wav(0.9, 8000))), &[("visibility", "private")]).await;
    let theirs = v["id"].as_str().expect("id").to_owned();
    let (status, e, _) = send(&app, Method::POST, &tracks_path, &me, Some(add(&theirs, None)), None).await;
    assert!(status == 422 && e["errors"]["track_id"].is_array(), "{status} {e}");
    // My own private track shows in my public playlist to me only.
    let (_, v) = upload_with(&app, &me, Some(("mine.wav", &wav(1.1, 8000))), &[("visibility", "private")]).await;
    let mine = v["id"].as_str().expect("id").to_owned();
    let (_, p, _) = send(&app, Method::POST, &tracks_path, &me, Some(add(&mine, None)), None).await;
    assert!(ids(&p).contains(&mine));
    let (_, seen, _) = send(&app, Method::GET, &path, &other, None, None).await;
    assert!(!ids(&seen).contains(&mine) && ids(&seen).len() == 4, "{seen}");
    let (_, anon) = body(app.get(&path).await).await;
    assert!(!ids(&anon).contains(&mine));

    // Private playlists do not exist for others; deleting removes it.
    let (status, p, etag) = send(&app, Method::PATCH, &path, &me, Some(json!({ "public": false })), Some("*")).await;
    assert_eq!((status, p["public"].as_bool()), (200, Some(false)), "{p}");
    assert!(!etag.is_empty());
    assert_eq!(send(&app, Method::GET, &path, &other, None, None).await.0, 404);
    assert_eq!(send(&app, Method::DELETE, &path, &other, None, None).await.0, 404);
    assert_eq!(send(&app, Method::DELETE, &path, &me, None, None).await.0, 204);
    assert_eq!(send(&app, Method::GET, &path, &me, None, None).await.0, 404);
    let _ = upload; // (helpers shared with tracks.rs)
}

#[tokio::test]
async fn parallel_clients_never_lose_an_edit() {
    let app = TestApp::spawn().await;
    let (_, me, _) = app.user("busy").await;
    let t = tracks(&app, &me, 12).await;
    let (_, p, _) = send(&app, Method::POST, "/api/v1/playlists", &me, Some(json!({ "name": "Shared" })), None).await;
    let id = p["id"].as_str().expect("id").to_owned();
    let tracks_path = format!("/api/v1/playlists/{id}/tracks");
    // Twelve adds at once, at random-ish places: every one lands.
    let adds = t.iter().enumerate().map(|(i, track)| {
        let (app, me, path) = (&app, me.clone(), tracks_path.clone());
        let b = json!({ "track_id": track, "position": (i % 3) as u32 });
        async move { send(app, Method::POST, &path, &me, Some(b), None).await.0 }
    });
    let statuses = futures_util::future::join_all(adds).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let (_, p, etag) = send(&app, Method::GET, &format!("/api/v1/playlists/{id}"), &me, None, None).await;
    assert_eq!(ids(&p).len(), 12);
    assert_eq!(p["version"].as_i64(), Some(13), "one version per change");

    // Two clients reorder from the same version: one wins, the other is told (412), and what
    // the winner wrote is what stays.
    let mut forward = ids(&p);
    let backward: Vec<String> = forward.iter().rev().cloned().collect();
    forward.rotate_left(1);
    let order_path = format!("/api/v1/playlists/{id}/order");
    let put = |order: Vec<String>| {
        let (app, me, path, etag) = (&app, me.clone(), order_path.clone(), etag.clone());
        async move { send(app, Method::PUT, &path, &me, Some(json!({ "track_ids": order })), Some(&etag)).await }
    };
    let (a, b) = tokio::join!(put(forward.clone()), put(backward.clone()));
    let mut codes = [a.0, b.0];
    codes.sort_unstable();
    assert_eq!(codes, [200, 412], "{} / {}", a.1, b.1);
    let winner = if a.0 == 200 { forward } else { backward };
    let (_, p, _) = send(&app, Method::GET, &format!("/api/v1/playlists/{id}"), &me, None, None).await;
    assert_eq!(ids(&p), winner);
}

#[tokio::test]
async fn my_playlists_are_listed_newest_first_with_their_track_counts_and_only_to_me() {
    let app = TestApp::spawn().await;
    let (_, ada, _) = app.user("adalind").await;
    let (_, bo, _) = app.user("boris").await;
    let track = tracks(&app, &ada, 1).await.remove(0);
    let mut made = Vec::new();
    for (name, public) in [("first", true), ("second", false), ("third", true)] {
        let (status, v, _) =
            send(&app, Method::POST, "/api/v1/playlists", &ada, Some(json!({ "name": name, "public": public })), None)
                .await;
        assert_eq!(status, 201, "{v}");
        made.push(v["id"].as_str().expect("id").to_owned());
    }
    let add = json!({ "track_id": track });
    let (status, _, _) =
        send(&app, Method::POST, &format!("/api/v1/playlists/{}/tracks", made[1]), &ada, Some(add), None).await;
    assert_eq!(status, 200);
    send(&app, Method::POST, "/api/v1/playlists", &bo, Some(json!({ "name": "not ada's" })), None).await;

    let (status, page, _) = send(&app, Method::GET, "/api/v1/users/me/playlists?limit=2", &ada, None, None).await;
    assert_eq!(status, 200, "{page}");
    let names: Vec<&str> = page["items"].as_array().expect("items").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["third", "second"], "newest first, two per page");
    assert_eq!(page["items"][1]["track_count"], 1);
    assert_eq!(
        (page["items"][1]["public"].as_bool(), page["items"][0]["track_count"].as_i64()),
        (Some(false), Some(0))
    );
    let cursor = page["next_cursor"].as_str().expect("a next page");
    let (_, rest, _) =
        send(&app, Method::GET, &format!("/api/v1/users/me/playlists?cursor={cursor}"), &ada, None, None).await;
    assert_eq!(rest["items"].as_array().map(|a| a.len()), Some(1));
    assert_eq!((rest["items"][0]["name"].as_str(), &rest["next_cursor"]), (Some("first"), &Value::Null));

    let (_, theirs, _) = send(&app, Method::GET, "/api/v1/users/me/playlists", &bo, None, None).await;
    assert_eq!(theirs["items"].as_array().map(|a| a.len()), Some(1), "each sees only their own: {theirs}");
    let (status, bad, _) = send(&app, Method::GET, "/api/v1/users/me/playlists?cursor=nope", &ada, None, None).await;
    assert_eq!((status, bad["code"].as_str()), (422, Some("validation_failed")));
}
