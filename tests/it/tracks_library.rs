//! A listener's library against a real node: favourites, signed stream links, plays counted by
//! audio fetched (not requests), history, and "now playing" pushed to friends.

use crate::market::{body, count};
use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::ws::ChatClient;
use crate::tracks::{fixture, upload, upload_with};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn favourites_are_idempotent_and_listed_newest_first() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("maker").await;
    let (_, fan, _) = app.user("fan").await;
    let a = upload(&app, &owner, "tone.mp3").await["id"].as_str().expect("id").to_owned();
    let b = upload(&app, &owner, "tone.flac").await["id"].as_str().expect("id").to_owned();
    let (status, v) =
        upload_with(&app, &owner, Some(("p.ogg", &fixture("tone.ogg"))), &[("visibility", "private")]).await;
    assert_eq!(status, 201, "{v}");
    let private = v["id"].as_str().expect("id").to_owned();
    let fav = |m: Method, id: &str| {
        let (app, fan, path) = (&app, fan.clone(), format!("/api/v1/tracks/{id}/favorite"));
        async move { app.send_auth(m, &path, &fan, None).await.status().as_u16() }
    };
    for _ in 0..2 {
        assert_eq!(fav(Method::POST, &a).await, 204, "again is no change");
    }
    assert_eq!(fav(Method::POST, &b).await, 204);
    assert_eq!(fav(Method::POST, &private).await, 404, "another's private track does not exist");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM favorites").await, 2);
    let (_, page) = body(app.get_auth("/api/v1/users/me/favorites?limit=1", &fan).await).await;
    assert_eq!(page["items"][0]["id"], json!(b), "newest first: {page}");
    let cursor = page["next_cursor"].as_str().expect("a second page").to_owned();
    let (_, page2) =
        body(app.get_auth(&format!("/api/v1/users/me/favorites?limit=1&cursor={cursor}"), &fan).await).await;
    assert_eq!(page2["items"][0]["id"], json!(a));
    assert!(page2["next_cursor"].is_null());
    for _ in 0..2 {
        assert_eq!(fav(Method::DELETE, &a).await, 204, "removing twice is no change");
    }
    let (_, page) = body(app.get_auth("/api/v1/users/me/favorites", &fan).await).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    // Deleting the track takes it out of every favourites list.
    assert_eq!(app.send_auth(Method::DELETE, &format!("/api/v1/tracks/{b}"), &owner, None).await.status(), 204);
    let (_, page) = body(app.get_auth("/api/v1/users/me/favorites", &fan).await).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(body(app.get_auth("/api/v1/users/me/favorites?cursor=nope", &fan).await).await.0, 422);
}

#[tokio::test]
async fn signed_links_open_a_private_stream_without_authorization() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("keeper").await;
    let (_, other, _) = app.user("peeker").await;
    let (_, v) = upload_with(&app, &owner, Some(("s.opus", &fixture("tone.opus"))), &[("visibility", "private")]).await;
    let id = v["id"].as_str().expect("id").to_owned();
    assert_eq!(app.get(&format!("/api/v1/tracks/{id}/stream")).await.status(), 404);
    assert_eq!(app.get_auth(&format!("/api/v1/tracks/{id}/stream-url"), &other).await.status(), 404);
    let (status, link) = body(app.get_auth(&format!("/api/v1/tracks/{id}/stream-url"), &owner).await).await;
    assert_eq!(status, 200, "{link}");
    assert!(link["expires_at"].is_string());
    let url = link["url"].as_str().expect("url").to_owned();
    // No Authorization: the link alone opens it, with ranges.
    let res = app.client.get(app.url(&url)).header("range", "bytes=0-99").send().await.expect("get");
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.expect("body").as_ref(), &fixture("tone.opus")[..100]);
    // Bound to its track, and not forgeable.
    let sig = url.split("sig=").nth(1).expect("sig").to_owned();
    let elsewhere = upload(&app, &other, "tone.wav").await["id"].as_str().expect("id").to_owned();
    let (status, p) = body(app.get(&format!("/api/v1/tracks/{elsewhere}/stream?sig={sig}")).await).await;
    assert_eq!((status, p["code"].as_str()), (401, Some("token_invalid")), "{p}");
    let (status, p) = body(app.get(&format!("/api/v1/tracks/{id}/stream?sig={sig}x")).await).await;
    assert_eq!((status, p["code"].as_str()), (401, Some("token_invalid")), "{p}");
    // An access token is not a stream link.
    let (status, _) = body(app.get(&format!("/api/v1/tracks/{id}/stream?sig={owner}")).await).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_play_is_audio_fetched_once_per_listen_and_friends_see_it() {
    let app = TestApp::spawn().await;
    let (owner_id, owner, _) = app.user("band").await;
    let (listener_id, listener, _) = app.user("listener").await;
    // Friends: the owner hears what the listener plays.
    let path = format!("/api/v1/users/{owner_id}/friend-request");
    assert_eq!(app.post_json(&path, &json!({}), Some(&listener)).await.status(), 201);
    let accept = format!("/api/v1/users/me/friends/{listener_id}/accept");
    assert!(app.post_json(&accept, &json!({}), Some(&owner)).await.status().is_success());
    let mut ws = ChatClient::connect(app.addr, &owner).await;

    let file = fixture("tone.m4a");
    let id = upload(&app, &owner, "tone.m4a").await["id"].as_str().expect("id").to_owned();
    let stream = format!("/api/v1/tracks/{id}/stream");
    let plays = || {
        let (app, id) = (&app, id.clone());
        async move { body(app.get(&format!("/api/v1/tracks/{id}")).await).await.1["plays"].as_i64().unwrap_or(-1) }
    };
    // Requests that fetch little are not plays (the track lasts 2 s: all of it makes a play).
    for _ in 0..5 {
        let res = app.client.head(app.url(&stream)).bearer_auth(&listener).send().await.expect("head");
        assert_eq!(res.status(), 200);
    }
    let half = file.len() / 2;
    let res = app.client.get(app.url(&stream)).bearer_auth(&listener).header("range", format!("bytes=0-{}", half - 1));
    assert_eq!(res.send().await.expect("get").bytes().await.expect("body").len(), half);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(plays().await, 0, "half the audio is not a play yet");
    let res = app.client.get(app.url(&stream)).bearer_auth(&listener).header("range", format!("bytes={half}-"));
    assert_eq!(res.send().await.expect("get").bytes().await.expect("body").len(), file.len() - half);
    eventually(Duration::from_secs(5), "the play counted", || async { (plays().await == 1).then_some(()) }).await;
    let ev = ws.expect("event").await;
    assert_eq!(ev["kind"], "presence.now_playing", "{ev}");
    assert_eq!(
        (ev["data"]["track"]["id"].as_str(), ev["data"]["user"]["username"].as_str()),
        (Some(id.as_str()), Some("listener"))
    );

    // Fetching it all again in the same listen is not another play.
    let res = app.client.get(app.url(&stream)).bearer_auth(&listener).send().await.expect("get");
    assert_eq!(res.bytes().await.expect("body").len(), file.len());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(plays().await, 1);
    let (_, h) = body(app.get_auth("/api/v1/users/me/history", &listener).await).await;
    assert_eq!(h["items"].as_array().map(Vec::len), Some(1), "{h}");
    assert_eq!(h["items"][0]["track"]["id"], json!(id));
    assert!(h["items"][0]["played_at"].is_string());

    // Another listener (anonymous, by address) is another play; the owner's preference can
    // turn "now playing" off.
    let prefs = app
        .send_auth(Method::PUT, "/api/v1/users/me/preferences", &listener, Some(&json!({ "share_now_playing": false })))
        .await;
    assert!(prefs.status().is_success(), "{}", prefs.status());
    let res = app.client.get(app.url(&stream)).send().await.expect("get");
    assert_eq!(res.bytes().await.expect("body").len(), file.len());
    eventually(Duration::from_secs(5), "the anonymous play counted", || async { (plays().await == 2).then_some(()) })
        .await;
    assert_eq!(count(&app, "SELECT count(*) AS n FROM plays").await, 1, "history is for users");
}
