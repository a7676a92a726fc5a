//! The authorization matrix: every route (as the app records them, `web::resource::registered`)
//! x every kind of caller, each cell's expected status written down with, where API.md is
//! silent, the reason. A route missing from the table fails the test, so new modules add theirs.
//!
//! Each cell runs on fresh objects (a public room of the owner with a message and a member, an
//! active listing of the owner, an offer the owner made on someone else's listing, a category,
//! a user to act on, a friend request to the owner), so no cell depends on another. A cell
//! makes only the objects its path names, unless its row sends a body (which may name any).

use crate::support::TestApp;
use crate::support::app::PASSWORD;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The callers, in column order.
const WHO: [&str; 7] = ["anonymous", "owner", "other", "moderator", "admin", "suspended", "deleted"];

/// How a row gets the caller's token.
#[derive(Clone, Copy, PartialEq)]
enum Caller {
    /// The world's long-lived users.
    Shared,
    /// A throwaway account of the column's kind: the route ends the caller's own session or
    /// account.
    Throwaway,
}

struct Row {
    method: &'static str,
    path: &'static str,
    caller: Caller,
    body: fn(&Fix) -> Option<Value>,
    /// The body may name any object: every one is made.
    needs_all: bool,
    expect: [u16; 7],
}

const fn row(method: &'static str, path: &'static str, expect: [u16; 7]) -> Row {
    Row { method, path, caller: Caller::Shared, body: |_| None, needs_all: false, expect }
}

const fn with(method: &'static str, path: &'static str, body: fn(&Fix) -> Option<Value>, expect: [u16; 7]) -> Row {
    Row { method, path, caller: Caller::Shared, body, needs_all: true, expect }
}

const fn own(method: &'static str, path: &'static str, expect: [u16; 7]) -> Row {
    Row { method, path, caller: Caller::Throwaway, body: |_| None, needs_all: false, expect }
}

/// Every user-facing route. Columns: anonymous, owner, other, moderator, admin, suspended, deleted.
/// Suspended and deleted callers present their (refused) token: 401 wherever a token is read.
fn matrix() -> Vec<Row> {
    let all = |s| [s; 7];
    vec![
        row("GET", "/.well-known/jwks.json", all(200)),
        row("GET", "/health", all(200)),
        row("GET", "/ready", all(200)),
        row("GET", "/metrics", all(200)),
        // The handshake is checked before the token: a plain GET is a client error for anyone
        // (who may open a socket is tested in tests/it/chat.rs).
        row("GET", "/ws", all(400)),
        row("GET", "/api/v1/categories", all(200)),
        with(
            "POST",
            "/api/v1/csp-reports",
            |_| {
                Some(
                    json!({ "csp-report": { "document-uri": "https://v.example/", "violated-directive": "script-src", "blocked-uri": "inline" } }),
                )
            },
            all(204),
        ),
        // Public auth flows ignore any token sent along.
        with("POST", "/api/v1/auth/login", |_| Some(json!({ "login": "alice", "password": PASSWORD })), all(200)),
        with(
            "POST",
            "/api/v1/auth/register",
            |f| {
                Some(
                    json!({ "email": format!("n{}@x.test", f.n), "username": format!("new{}", f.n), "password": PASSWORD }),
                )
            },
            all(201),
        ),
        with("POST", "/api/v1/auth/refresh", |_| Some(json!({ "refresh_token": "not-a-token" })), all(401)),
        with("POST", "/api/v1/auth/magic-link", |_| Some(json!({ "email": "alice@x.test" })), all(202)),
        with("POST", "/api/v1/auth/magic-link/verify", |_| Some(json!({ "token": "not-a-token" })), all(401)),
        with("POST", "/api/v1/auth/oauth/exchange", |_| Some(json!({ "login_code": "not-a-code" })), all(401)),
        row("GET", "/api/v1/auth/providers", all(200)),
        row("GET", "/api/v1/auth/oauth/{provider}/authorize", all(404)),
        // The callback checks its state before its provider: an unknown state is 401 for anyone.
        row("GET", "/api/v1/auth/oauth/{provider}/callback", all(401)),
        row("GET", "/api/v1/auth/me", [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/auth/sessions", [401, 200, 200, 200, 200, 401, 401]),
        Row {
            method: "POST",
            path: "/api/v1/auth/logout",
            caller: Caller::Throwaway,
            body: |f| Some(json!({ "refresh_token": f.refresh })),
            needs_all: false,
            expect: [401, 204, 204, 204, 204, 401, 401],
        },
        own("POST", "/api/v1/auth/logout-all", [401, 204, 204, 204, 204, 401, 401]),
        own("DELETE", "/api/v1/auth/sessions/{session}", [401, 204, 204, 204, 204, 401, 401]),
        own("DELETE", "/api/v1/users/me", [401, 204, 204, 204, 204, 401, 401]),
        // Categories: admins only; moderators moderate content, not the catalogue's shape.
        row("GET", "/api/v1/admin/categories", [401, 403, 403, 403, 200, 401, 401]),
        with(
            "POST",
            "/api/v1/admin/categories",
            |f| Some(json!({ "name": format!("Cat {}", f.n) })),
            [401, 403, 403, 403, 201, 401, 401],
        ),
        with(
            "PATCH",
            "/api/v1/admin/categories/{category}",
            |f| Some(json!({ "name": format!("Renamed {}", f.n) })),
            [401, 403, 403, 403, 200, 401, 401],
        ),
        row("DELETE", "/api/v1/admin/categories/{category}", [401, 403, 403, 403, 204, 401, 401]),
        row("DELETE", "/api/v1/admin/users/{victim}", [401, 403, 403, 403, 204, 401, 401]),
        // Moderators find accounts and suspend plain users; users are refused.
        row("GET", "/api/v1/admin/users", [401, 403, 403, 200, 200, 401, 401]),
        with(
            "PATCH",
            "/api/v1/admin/users/{victim}",
            |_| Some(json!({ "status": "suspended", "reason": "matrix" })),
            [401, 403, 403, 200, 200, 401, 401],
        ),
        // Reports: anyone signed in files one; moderators work the queue.
        with(
            "POST",
            "/api/v1/reports",
            |f| Some(json!({ "target_type": "user", "target_id": f.victim, "reason": "spam" })),
            [401, 201, 201, 201, 201, 401, 401],
        ),
        row("GET", "/api/v1/admin/reports", [401, 403, 403, 200, 200, 401, 401]),
        // The runtime config: admins only.
        row("GET", "/api/v1/admin/config", [401, 403, 403, 403, 200, 401, 401]),
        with(
            "PUT",
            "/api/v1/admin/config",
            |f| Some(json!({ "search.typos": { "one_from": 4 + f.n % 3, "two_from": 12 } })),
            [401, 403, 403, 403, 200, 401, 401],
        ),
        row("GET", "/api/v1/admin/config/history", [401, 403, 403, 403, 200, 401, 401]),
        row("GET", "/api/v1/admin/stats", [401, 403, 403, 403, 200, 401, 401]),
        // The server API takes API keys, not users' tokens: 401 for every user, whatever their
        // roles (keys and scopes are tested in tests/it/server_api.rs).
        with(
            "POST",
            "/api/v1/server/publish",
            |f| Some(json!({ "room": f.room, "body": "hi", "client_id": "c" })),
            all(401),
        ),
        with(
            "POST",
            "/api/v1/server/broadcast",
            |f| Some(json!({ "rooms": [f.room], "body": "hi", "client_id": "c" })),
            all(401),
        ),
        with("POST", "/api/v1/server/push", |f| Some(json!({ "user": f.victim, "event_type": "server.x" })), all(401)),
        with("POST", "/api/v1/server/subscribe", |f| Some(json!({ "user": f.victim, "room": f.room })), all(401)),
        with("POST", "/api/v1/server/unsubscribe", |f| Some(json!({ "user": f.victim, "room": f.room })), all(401)),
        with("POST", "/api/v1/server/disconnect", |f| Some(json!({ "user": f.victim, "code": 4000 })), all(401)),
        row("GET", "/api/v1/server/rooms", all(401)),
        row("GET", "/api/v1/server/rooms/{room}", all(401)),
        row("GET", "/api/v1/server/rooms/{room}/presence", all(401)),
        row("GET", "/api/v1/server/rooms/{room}/presence/stats", all(401)),
        row("GET", "/api/v1/server/rooms/{room}/history", all(401)),
        row("GET", "/api/v1/server/nodes", all(401)),
        // Version 1: the settings the migrations wrote, where the history starts.
        row("POST", "/api/v1/admin/config/rollback/{version}", [401, 403, 403, 403, 200, 401, 401]),
        row("POST", "/api/v1/admin/reports/{case}/claim", [401, 403, 403, 200, 200, 401, 401]),
        with(
            "POST",
            "/api/v1/admin/reports/{case}/resolve",
            |_| Some(json!({ "action": "dismiss" })),
            [401, 403, 403, 200, 200, 401, 401],
        ),
        // Users.
        row("GET", "/api/v1/users/me", [401, 200, 200, 200, 200, 401, 401]),
        with("PATCH", "/api/v1/users/me", |_| Some(json!({ "bio": "hello" })), [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/users/me/preferences", [401, 200, 200, 200, 200, 401, 401]),
        with(
            "PUT",
            "/api/v1/users/me/preferences",
            |_| Some(json!({ "theme": "dark" })),
            [401, 200, 200, 200, 200, 401, 401],
        ),
        row("GET", "/api/v1/users/me/friends", [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/users/me/blocks", [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/users/me/activity", [401, 200, 200, 200, 200, 401, 401]),
        // The pending request is the owner's: for anyone else there is none to accept or drop.
        row("POST", "/api/v1/users/me/friends/{requester}/accept", [401, 200, 404, 404, 404, 401, 401]),
        row("DELETE", "/api/v1/users/me/friends/{requester}", [401, 204, 404, 404, 404, 401, 401]),
        // A public profile reads no token.
        row("GET", "/api/v1/users/{victim}", all(200)),
        row("POST", "/api/v1/users/{victim}/friend-request", [401, 201, 201, 201, 201, 401, 401]),
        row("POST", "/api/v1/users/{victim}/block", [401, 204, 204, 204, 204, 401, 401]),
        row("DELETE", "/api/v1/users/{victim}/block", [401, 204, 204, 204, 204, 401, 401]),
        row("POST", "/api/v1/dm/{victim}", [401, 201, 201, 201, 201, 401, 401]),
        // Rooms: the room is the owner's, public, with a message of the owner and a member.
        row("GET", "/api/v1/rooms", [200, 200, 200, 200, 200, 401, 401]),
        with(
            "POST",
            "/api/v1/rooms",
            |f| Some(json!({ "name": format!("Room {}", f.n), "visibility": "public" })),
            [401, 201, 201, 201, 201, 401, 401],
        ),
        row("GET", "/api/v1/rooms/{room}", [200, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/rooms/{room}/messages", [200, 200, 200, 200, 200, 401, 401]),
        row("POST", "/api/v1/rooms/{room}/join", [401, 200, 200, 200, 200, 401, 401]),
        // Leaving a room one is not in names nothing.
        row("POST", "/api/v1/rooms/{room}/leave", [401, 204, 404, 404, 404, 401, 401]),
        with(
            "POST",
            "/api/v1/rooms/{room}/messages",
            |_| Some(json!({ "body": "hi" })),
            [401, 201, 403, 403, 403, 401, 401],
        ),
        // The author, or a moderator (site moderators and admins included: API.md, messages).
        row("DELETE", "/api/v1/rooms/{room}/messages/{message}", [401, 204, 403, 204, 204, 401, 401]),
        // Room moderation is the room's owner's and moderators': to anyone outside the room the
        // room's members are not theirs to manage (404). Site-wide action comes with reports.
        with(
            "POST",
            "/api/v1/rooms/{room}/members",
            |f| Some(json!({ "user_id": f.victim })),
            [401, 201, 404, 404, 404, 401, 401],
        ),
        row("DELETE", "/api/v1/rooms/{room}/members/{member}", [401, 204, 404, 404, 404, 401, 401]),
        with(
            "POST",
            "/api/v1/rooms/{room}/mute",
            |f| Some(json!({ "user_id": f.member, "minutes": 5 })),
            [401, 204, 404, 404, 404, 401, 401],
        ),
        // Listings: the listing is the owner's and active. Others see it and may offer; only
        // its seller changes it (site moderation of listings comes with reports).
        row("GET", "/api/v1/listings", [200, 200, 200, 200, 200, 401, 401]),
        with("POST", "/api/v1/listings", |f| Some(listing(&f.category_leaf)), [401, 201, 201, 201, 201, 401, 401]),
        row("GET", "/api/v1/listings/{listing}", [200, 200, 200, 200, 200, 401, 401]),
        with(
            "PATCH",
            "/api/v1/listings/{listing}",
            |_| Some(json!({ "title": "A new title" })),
            [401, 200, 403, 403, 403, 401, 401],
        ),
        row("DELETE", "/api/v1/listings/{listing}", [401, 204, 403, 403, 403, 401, 401]),
        row("POST", "/api/v1/listings/{listing}/archive", [401, 200, 403, 403, 403, 401, 401]),
        // Already active: publishing or reactivating it again is a state conflict for its seller.
        row("POST", "/api/v1/listings/{listing}/publish", [401, 409, 403, 403, 403, 401, 401]),
        row("POST", "/api/v1/listings/{listing}/reactivate", [401, 409, 403, 403, 403, 401, 401]),
        with("POST", "/api/v1/listings/{listing}/offers", |_| Some(offer()), [401, 403, 201, 201, 201, 401, 401]),
        // Offers: the owner made it (the buyer), pending, so it is the seller's turn. Only the
        // two parties know it exists (404 to everyone else, admins included).
        row("GET", "/api/v1/offers", [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/offers/{offer}", [401, 200, 404, 404, 404, 401, 401]),
        row("POST", "/api/v1/offers/{offer}/withdraw", [401, 200, 404, 404, 404, 401, 401]),
        row("POST", "/api/v1/offers/{offer}/accept", [401, 403, 404, 404, 404, 401, 401]),
        row("POST", "/api/v1/offers/{offer}/decline", [401, 403, 404, 404, 404, 401, 401]),
        with(
            "POST",
            "/api/v1/offers/{offer}/counter",
            |_| Some(json!({ "amount": { "amount": 900, "currency": "EUR" } })),
            [401, 403, 404, 404, 404, 401, 401],
        ),
        row("POST", "/api/v1/offers/{offer}/confirm", [401, 409, 404, 404, 404, 401, 401]),
        row("POST", "/api/v1/offers/{offer}/cancel", [401, 409, 404, 404, 404, 401, 401]),
        // Tracks: the owner's public track. Only the owner edits or deletes it (moderation of
        // tracks comes with the report queue); anyone reads and streams it. It has no cover.
        // Search: anyone (a sent token must be valid; popular queries read none); without `q` a
        // search is 422 query_empty
        // (what searches find, for whom, is tests/it/search_api.rs). Zero-result queries are
        // for moderators, who tend the catalogue's words.
        row("GET", "/api/v1/search", [422, 422, 422, 422, 422, 401, 401]),
        row("GET", "/api/v1/search/suggest", [422, 422, 422, 422, 422, 401, 401]),
        row("GET", "/api/v1/search/popular", all(200)),
        row("GET", "/api/v1/admin/search/zero-results", [401, 403, 403, 200, 200, 401, 401]),
        // The audit trail is the admins' (moderators' actions are in it).
        row("GET", "/api/v1/admin/audit", [401, 403, 403, 403, 200, 401, 401]),
        row("GET", "/api/v1/admin/audit/export", [401, 403, 403, 403, 200, 401, 401]),
        row("GET", "/api/v1/tracks", [200, 200, 200, 200, 200, 401, 401]),
        row("POST", "/api/v1/tracks", [401, 201, 201, 201, 201, 401, 401]),
        row("GET", "/api/v1/tracks/{track}", [200, 200, 200, 200, 200, 401, 401]),
        with(
            "PATCH",
            "/api/v1/tracks/{track}",
            |_| Some(json!({ "title": "Renamed" })),
            [401, 200, 403, 403, 403, 401, 401],
        ),
        row("DELETE", "/api/v1/tracks/{track}", [401, 204, 403, 403, 403, 401, 401]),
        row("GET", "/api/v1/tracks/{track}/stream", [200, 200, 200, 200, 200, 401, 401]),
        row("HEAD", "/api/v1/tracks/{track}/stream", [200, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/tracks/{track}/waveform", [200, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/tracks/{track}/cover", [404, 404, 404, 404, 404, 401, 401]),
        // Favourites, history and stream links are the caller's own.
        row("POST", "/api/v1/tracks/{track}/favorite", [401, 204, 204, 204, 204, 401, 401]),
        row("DELETE", "/api/v1/tracks/{track}/favorite", [401, 204, 204, 204, 204, 401, 401]),
        row("GET", "/api/v1/tracks/{track}/stream-url", [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/users/me/favorites", [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/users/me/playlists", [401, 200, 200, 200, 200, 401, 401]),
        row("GET", "/api/v1/users/me/history", [401, 200, 200, 200, 200, 401, 401]),
        // Playlists: the owner's public playlist holding the owner's track. Changes without
        // If-Match are 428 for the owner (who may change it), 403 for others.
        with("POST", "/api/v1/playlists", |_| Some(json!({ "name": "Mix" })), [401, 201, 201, 201, 201, 401, 401]),
        row("GET", "/api/v1/playlists/{playlist}", [200, 200, 200, 200, 200, 401, 401]),
        with(
            "PATCH",
            "/api/v1/playlists/{playlist}",
            |_| Some(json!({ "name": "Renamed" })),
            [401, 428, 403, 403, 403, 401, 401],
        ),
        row("DELETE", "/api/v1/playlists/{playlist}", [401, 204, 403, 403, 403, 401, 401]),
        with(
            "POST",
            "/api/v1/playlists/{playlist}/tracks",
            |f| Some(json!({ "track_id": f.track })),
            [401, 409, 403, 403, 403, 401, 401],
        ),
        row("DELETE", "/api/v1/playlists/{playlist}/tracks/{track}", [401, 200, 403, 403, 403, 401, 401]),
        // Resumable uploads: the owner's, nothing sent yet. Only its owner knows it exists; a
        // chunk that is not offset+octet-stream is 415 whoever sends it (checked first).
        with(
            "POST",
            "/api/v1/uploads",
            |_| Some(json!({ "size": 1000, "filename": "a.mp3" })),
            [401, 201, 201, 201, 201, 401, 401],
        ),
        row("HEAD", "/api/v1/uploads/{upload}", [401, 200, 404, 404, 404, 401, 401]),
        row("PATCH", "/api/v1/uploads/{upload}", [401, 415, 415, 415, 415, 401, 401]),
        row("DELETE", "/api/v1/uploads/{upload}", [401, 204, 404, 404, 404, 401, 401]),
        row("POST", "/api/v1/uploads/{upload}/finish", [401, 409, 404, 404, 404, 401, 401]),
        with(
            "PUT",
            "/api/v1/playlists/{playlist}/order",
            |f| Some(json!({ "track_ids": [f.track] })),
            [401, 428, 403, 403, 403, 401, 401],
        ),
    ]
}

fn listing(category: &str) -> Value {
    json!({ "title": "Old amp", "price": { "amount": 1000, "currency": "EUR" }, "category_id": category, "condition": "used", "publish": true })
}

fn offer() -> Value {
    json!({ "amount": { "amount": 800, "currency": "EUR" } })
}

/// The long-lived users: a token per column (anonymous has none).
struct World {
    app: TestApp,
    tokens: [Option<String>; 7],
    carl: String,
    category_leaf: String,
    n: AtomicUsize,
}

/// The objects one cell acts on.
#[derive(Clone, Default)]
struct Fix {
    n: usize,
    room: String,
    message: String,
    member: String,
    listing: String,
    offer: String,
    category: String,
    category_leaf: String,
    victim: String,
    requester: String,
    track: String,
    playlist: String,
    upload: String,
    /// An open report case on `victim` (only where the path names one).
    case: String,
    /// The throwaway caller's refresh token, for the rows that end its session.
    refresh: String,
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap_or(Value::Null)
}

async fn sql(app: &TestApp, q: &str) {
    diesel::sql_query(q).execute(&mut app.db.conn().await).await.unwrap();
}

async fn login(app: &TestApp, name: &str) -> (String, String) {
    let res = app.post_json("/api/v1/auth/login", &json!({ "login": name, "password": PASSWORD }), None).await;
    let v = json_of(res).await;
    (v["access_token"].as_str().unwrap().to_owned(), v["refresh_token"].as_str().unwrap().to_owned())
}

/// A user of the column's kind; answers its access and refresh tokens.
async fn user_of(app: &TestApp, column: usize, name: &str) -> Option<(String, String)> {
    if column == 0 {
        return None;
    }
    let (id, access, refresh) = app.user(name).await;
    let tokens = match column {
        3 => {
            sql(app, &format!("UPDATE users SET roles = '{{user,moderator}}' WHERE id = '{id}'")).await;
            login(app, name).await
        }
        4 => {
            sql(app, &format!("UPDATE users SET roles = '{{user,admin}}' WHERE id = '{id}'")).await;
            login(app, name).await
        }
        5 => {
            sql(app, &format!("UPDATE users SET status = 'suspended' WHERE id = '{id}'")).await;
            // The denylist rereads inactive users every 200 ms in tests.
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            (access, refresh)
        }
        6 => {
            let res = app.send_auth(Method::DELETE, "/api/v1/users/me", &access, None).await;
            assert_eq!(res.status(), 204);
            (access, refresh)
        }
        _ => (access, refresh),
    };
    Some(tokens)
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn_with(&[
            ("VEZA__RATE_LIMIT__ENABLED", "false"),
            ("VEZA__AUTH__LOGIN_IP_PER_MINUTE", "100000"),
            ("VEZA__CHAT__SEND_PER_MINUTE", "100000000"),
            ("VEZA__CHAT__SEND_BURST", "1000000"),
        ])
        .await;
        let names = ["", "alice", "bob", "mia", "root", "sue", "dan"];
        let mut tokens: [Option<String>; 7] = Default::default();
        for (i, name) in names.iter().enumerate() {
            tokens[i] = user_of(&app, i, name).await.map(|(access, _)| access);
        }
        let (_, carl, _) = app.user("carl").await;
        let category_leaf = crate::market::category(&app, "electric-guitars").await;
        World { app, tokens, carl, category_leaf, n: AtomicUsize::new(0) }
    }

    fn token(&self, column: usize) -> &str {
        self.tokens[column].as_deref().unwrap_or_default()
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Value {
        let res = self.app.post_json(path, &body, Some(token)).await;
        assert!(res.status().is_success(), "fixture {path}: {}", res.status());
        json_of(res).await
    }

    /// The objects for one cell of `path`: those it names (all of them with `all`); the track
    /// (an upload and its decode, the costly part) and the playlist holding it only where the
    /// path names one.
    async fn fix(&self, path: &str, all: bool) -> Fix {
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        let (alice, root) = (self.token(1), self.token(4));
        let names = |keys: &[&str]| all || keys.iter().any(|k| path.contains(k));
        let mut f = Fix { n, category_leaf: self.category_leaf.clone(), ..Fix::default() };
        if names(&["{room}", "{message}", "{member}"]) {
            let room =
                self.post(alice, "/api/v1/rooms", json!({ "name": format!("R{n}"), "visibility": "public" })).await;
            f.room = room["id"].as_str().unwrap().to_owned();
            let msg = self.post(alice, &format!("/api/v1/rooms/{}/messages", f.room), json!({ "body": "first" })).await;
            f.message = msg["id"].to_string();
            let (member_id, member_token, _) = self.app.user(&format!("mem{n}")).await;
            self.post(&member_token, &format!("/api/v1/rooms/{}/join", f.room), json!({})).await;
            f.member = member_id;
        }
        if names(&["{offer}"]) {
            let carls = self.post(&self.carl, "/api/v1/listings", listing(&self.category_leaf)).await;
            let offer =
                self.post(alice, &format!("/api/v1/listings/{}/offers", carls["id"].as_str().unwrap()), offer()).await;
            f.offer = offer["id"].as_str().unwrap().to_owned();
        }
        if names(&["{listing}"]) {
            let listing = self.post(alice, "/api/v1/listings", listing(&self.category_leaf)).await;
            f.listing = listing["id"].as_str().unwrap().to_owned();
        }
        if names(&["{category}"]) {
            let category = self.post(root, "/api/v1/admin/categories", json!({ "name": format!("Fix {n}") })).await;
            f.category = category["id"].as_str().unwrap().to_owned();
        }
        if names(&["{victim}", "{case}"]) {
            f.victim = self.app.user(&format!("vic{n}")).await.0;
        }
        if names(&["{requester}"]) {
            let (requester, req_token, _) = self.app.user(&format!("req{n}")).await;
            let res = self.app.post_json("/api/v1/users/alice/friend-request", &json!({}), Some(&req_token)).await;
            assert!(res.status().is_success(), "friend request to the owner: {}", res.status());
            f.requester = requester;
        }
        if path.contains("{track}") || path.contains("{playlist}") {
            // Bytes of its own (the same bytes would be the same track).
            let tone = crate::tracks::wav(0.2 + n as f32 * 0.001, 8000);
            let (status, track) = crate::tracks::upload_with(&self.app, alice, Some(("fix.wav", &tone)), &[]).await;
            assert_eq!(status, 201, "fixture track: {track}");
            f.track = track["id"].as_str().unwrap().to_owned();
            let playlist =
                self.post(alice, "/api/v1/playlists", json!({ "name": format!("P{n}"), "public": true })).await;
            f.playlist = playlist["id"].as_str().unwrap().to_owned();
            self.post(alice, &format!("/api/v1/playlists/{}/tracks", f.playlist), json!({ "track_id": f.track })).await;
        }
        if names(&["{upload}"]) {
            let upload = self.post(alice, "/api/v1/uploads", json!({ "size": 5000, "filename": "u.mp3" })).await;
            f.upload = upload["id"].as_str().unwrap().to_owned();
        }
        if path.contains("{case}") {
            let body = json!({ "target_type": "user", "target_id": f.victim, "reason": "spam" });
            self.post(&self.carl, "/api/v1/reports", body).await;
            let cases = self.app.get_auth("/api/v1/admin/reports?limit=100", root).await;
            let cases = json_of(cases).await;
            let found = cases["items"].as_array().and_then(|a| a.iter().find(|c| c["target_id"] == f.victim.as_str()));
            f.case = found.and_then(|c| c["id"].as_str()).unwrap().to_owned();
        }
        f
    }
}

fn fill(path: &str, f: &Fix, session: &str) -> String {
    path.replace("{room}", &f.room)
        .replace("{message}", &f.message)
        .replace("{member}", &f.member)
        .replace("{listing}", &f.listing)
        .replace("{offer}", &f.offer)
        .replace("{category}", &f.category)
        .replace("{victim}", &f.victim)
        .replace("{requester}", &f.requester)
        .replace("{track}", &f.track)
        .replace("{playlist}", &f.playlist)
        .replace("{upload}", &f.upload)
        .replace("{case}", &f.case)
        .replace("{version}", "1")
        .replace("{provider}", "no-such-provider")
        .replace("{session}", session)
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_written() {
    let world = World::new().await;
    let rows = matrix();
    // Every route the app registers has a row, and every row a route.
    let routed: BTreeSet<(String, String)> =
        veza::web::resource::registered().into_iter().filter(|(p, _)| p != "/docs").collect();
    let generic = |p: &str| -> String {
        let mut out = String::new();
        let mut inside = false;
        for c in p.chars() {
            match c {
                '{' => {
                    inside = true;
                    out.push_str("{}");
                }
                '}' => inside = false,
                _ if !inside => out.push(c),
                _ => {}
            }
        }
        out
    };
    let tabled: BTreeSet<(String, String)> = rows.iter().map(|r| (generic(r.path), r.method.to_owned())).collect();
    let missing: Vec<_> = routed
        .iter()
        .filter(|(p, _)| p != "/docs")
        .filter(|(p, m)| !tabled.contains(&(generic(p), m.clone())))
        .collect();
    let routed_generic: BTreeSet<(String, String)> = routed.iter().map(|(p, m)| (generic(p), m.clone())).collect();
    let stale: Vec<_> = tabled.difference(&routed_generic).collect();
    assert!(stale.is_empty(), "rows for routes that do not exist: {stale:?}");
    assert!(missing.is_empty(), "routes without a row in the matrix: {missing:?}");
    // One row after another: the suite's timing tests run beside this one on two cores.
    let mut wrong = Vec::new();
    for r in &rows {
        wrong.extend(row_cells(&world, r).await);
    }
    assert!(wrong.is_empty(), "{} cells differ:\n{}", wrong.len(), wrong.join("\n"));
}

/// One row's cells against their expected statuses: the cells that differ.
async fn row_cells(world: &World, r: &Row) -> Vec<String> {
    let mut wrong = Vec::new();
    // A read changes nothing: its cells share one set of objects.
    let shared = if r.method == "GET" { Some(world.fix(r.path, r.needs_all).await) } else { None };
    for (column, expected) in r.expect.iter().enumerate() {
        let mut f = match &shared {
            Some(f) => f.clone(),
            None => world.fix(r.path, r.needs_all).await,
        };
        let (token, session) = match r.caller {
            Caller::Shared => (world.tokens[column].clone(), String::new()),
            Caller::Throwaway => {
                let pair = user_of(&world.app, column, &format!("t{}c{column}", f.n)).await;
                f.refresh = pair.as_ref().map(|p| p.1.clone()).unwrap_or_default();
                let token = pair.map(|p| p.0);
                let session = match (&token, column) {
                    (Some(t), 1..=4) => {
                        let s = json_of(world.app.get_auth("/api/v1/auth/sessions", t).await).await;
                        s["items"][0]["id"].as_str().unwrap_or_default().to_owned()
                    }
                    _ => uuid::Uuid::now_v7().to_string(),
                };
                (token, session)
            }
        };
        let path = fill(r.path, &f, &session);
        let method = Method::from_bytes(r.method.as_bytes()).unwrap();
        let mut req = world.app.client.request(method, world.app.url(&path));
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        if (r.method, r.path) == ("POST", "/api/v1/tracks") {
            let tone = crate::tracks::wav(0.5 + (f.n * 7 + column) as f32 * 0.001, 8000);
            let (ct, form) = crate::tracks::form(Some(("cell.wav", &tone)), &[]);
            req = req.header("content-type", ct).body(form);
        } else if let Some(body) = (r.body)(&f) {
            let ct = if r.path.ends_with("csp-reports") { "application/csp-report" } else { "application/json" };
            req = req.header("content-type", ct).body(body.to_string());
        } else if r.method == "POST" {
            req = req.header("content-type", "application/json").body("{}");
        }
        let res = req.send().await.unwrap();
        let got = res.status().as_u16();
        if got != *expected {
            let text = res.text().await.unwrap_or_default();
            wrong.push(format!(
                "{} {} as {}: {got}, expected {expected}: {}",
                r.method,
                r.path,
                WHO[column],
                text.chars().take(160).collect::<String>()
            ));
        }
    }
    wrong
}
