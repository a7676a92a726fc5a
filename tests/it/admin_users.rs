//! `/admin/users`: the list (prefix, role, status, pages), and suspensions, bans and roles with
//! their effects on every node, the rules of who may do what, and suspensions that end.

use crate::market::{admin, count};
use crate::multinode::two_nodes_with;
use crate::support::TestApp;
use crate::support::app::{PASSWORD, eventually};
use crate::support::ws::ChatClient;
use chrono::{Duration as Days, Utc};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Registers `name` with `roles` (set in the database) and logs in again: (id, access token).
pub(crate) async fn with_roles(app: &TestApp, name: &str, roles: &str) -> (String, String) {
    let (id, _, _) = app.user(name).await;
    diesel::sql_query("UPDATE users SET roles = $2::text[] WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(&id)
        .bind::<diesel::sql_types::Text, _>(roles)
        .execute(&mut app.db.conn().await)
        .await
        .expect("roles");
    (id, login(app, name).await.1["access_token"].as_str().expect("token").to_owned())
}

async fn login(app: &TestApp, name: &str) -> (u16, Value) {
    let res = app.post_json("/api/v1/auth/login", &json!({ "login": name, "password": PASSWORD }), None).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn list(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let res = app.get_auth(&format!("/api/v1/admin/users{query}"), token).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn change(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    let res = app.send_auth(Method::PATCH, &format!("/api/v1/admin/users/{id}"), token, Some(&body)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A room's member count as `token` sees it.
async fn members(app: &TestApp, room_path: &str, token: &str) -> Value {
    app.get_auth(room_path, token).await.json::<Value>().await.expect("room")["member_count"].clone()
}

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|u| u["username"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_finds_accounts_by_prefix_role_and_status_in_pages() {
    let app = TestApp::spawn().await;
    let (_, root) = admin(&app, "root").await;
    let (_, moderator) = with_roles(&app, "mona", "{user,moderator}").await;
    let (alice, _, _) = app.user("alice").await;
    app.user("alicia").await;
    let (_, user, _) = app.user("bob").await;
    // Newest first; the admin sees emails and finds by them.
    let (status, v) = list(&app, &root, "?q=ALI").await;
    assert_eq!((status, names(&v)), (200, vec!["alicia".to_owned(), "alice".to_owned()]), "{v}");
    assert_eq!(v["items"][1]["email"], "alice@example.com", "{v}");
    assert_eq!(names(&list(&app, &root, "?q=bob@").await.1), vec!["bob"]);
    // Moderators see no emails and cannot search by them; users see nothing.
    let (status, v) = list(&app, &moderator, "?q=alice").await;
    assert_eq!((status, &v["items"][0]["email"]), (200, &Value::Null), "{v}");
    assert!(names(&list(&app, &moderator, "?q=bob@").await.1).is_empty());
    assert_eq!(list(&app, &user, "").await.0, 403);
    // `%` and `_` are literal, not patterns.
    assert!(names(&list(&app, &root, "?q=%25").await.1).is_empty());
    assert!(names(&list(&app, &root, "?q=a_i").await.1).is_empty());
    assert_eq!(names(&list(&app, &root, "?role=moderator").await.1), vec!["mona"]);
    assert_eq!(change(&app, &root, &alice, json!({ "status": "banned" })).await.0, 200);
    let (_, v) = list(&app, &root, "?status=banned").await;
    assert_eq!((names(&v), &v["items"][0]["status"]), (vec!["alice".to_owned()], &json!("banned")));
    // Pages: every account once, newest first.
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let (status, v) = list(&app, &root, &query).await;
        assert_eq!(status, 200, "{v}");
        seen.extend(names(&v));
        match v["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["bob", "alicia", "alice", "mona", "root"]);
    for bad in ["?role=king", "?status=gone", "?cursor=nope", "?limit=0", "?q=", "?color=red"] {
        let (status, v) = list(&app, &root, bad).await;
        assert!((400..500).contains(&status) && v["code"].is_string(), "{bad}: {status} {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspension_reaches_every_node_at_once_and_ends_by_itself() {
    // The PostgreSQL reread is a minute away: only the node events can do it.
    let (n1, n2) = two_nodes_with(&[("VEZA__AUTH__DENYLIST_REFRESH_MS", "60000")]).await;
    let (_, moderator) = with_roles(&n1, "mona", "{user,moderator}").await;
    let (sue, sue_token, sue_refresh) = n1.user("sue").await;
    let (_, owner, _) = n1.user("owner").await;
    let room: Value = n1
        .post_json("/api/v1/rooms", &json!({ "name": "lounge", "visibility": "public" }), Some(&owner))
        .await
        .json()
        .await
        .expect("room");
    let room_path = format!("/api/v1/rooms/{}", room["id"].as_str().expect("id"));
    assert_eq!(n1.post_json(&format!("{room_path}/join"), &json!({}), Some(&sue_token)).await.status(), 200);
    assert_eq!(members(&n2, &room_path, &owner).await, 2);
    let mut ws = ChatClient::connect(n2.addr, &sue_token).await;

    let until = Utc::now() + Days::seconds(4);
    let body = json!({ "status": "suspended", "suspended_until": until, "reason": "cooling off" });
    let (status, v) = change(&n1, &moderator, &sue, body).await;
    assert_eq!((status, &v["status"]), (200, &json!("suspended")), "{v}");
    assert!(v["suspended_until"].is_string() && v["email"].is_null(), "{v}");
    // Node 2: the token refused, the socket closed 1008, the refresh family gone, the profile
    // and the membership hidden.
    // (The other node hears it over the broker: within a second, not in the same instant.)
    eventually(Duration::from_secs(1), "node 2 refuses her token", || {
        let (n2, t) = (&n2, sue_token.clone());
        async move { (n2.get_auth("/api/v1/users/me", &t).await.status() == 401).then_some(()) }
    })
    .await;
    assert_eq!(ws.close_code(Duration::from_secs(3)).await, Some(1008));
    let refreshed = n2.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": sue_refresh }), None).await;
    assert_eq!(refreshed.status(), 401);
    eventually(Duration::from_secs(1), "node 2 hides her profile", || {
        let (n2, path) = (&n2, format!("/api/v1/users/{sue}"));
        async move { (n2.get(&path).await.status() == 404).then_some(()) }
    })
    .await;
    assert_eq!(members(&n2, &room_path, &owner).await, 1);
    let (status, v) = login(&n2, "sue").await;
    assert_eq!((status, v["code"].as_str()), (403, Some("account_disabled")), "{v}");
    assert!(v["detail"].as_str().is_some_and(|d| d.contains("until")), "{v}");

    // The end: lifted once (by the nodes' periodic check or the login, whichever comes first),
    // the account active on both nodes.
    let (_, v) = eventually(Duration::from_secs(8), "sue signs in again", || {
        let n2 = &n2;
        async move {
            let (status, v) = login(n2, "sue").await;
            (status == 200).then_some((status, v))
        }
    })
    .await;
    let fresh = v["access_token"].as_str().expect("token").to_owned();
    assert_eq!(n1.get_auth("/api/v1/users/me", &fresh).await.status(), 200);
    assert_eq!(members(&n1, &room_path, &owner).await, 2);
    tokio::time::sleep(Duration::from_millis(1500)).await; // both lifters have looked again
    let audited =
        |action: &str| format!("SELECT count(*) AS n FROM audit_log WHERE action = '{action}' AND target_id = '{sue}'");
    assert_eq!(count(&n1, &audited("user.suspended")).await, 1);
    assert_eq!(count(&n1, &audited("user.suspension_ended")).await, 1, "lifted once, by one node");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_suspend_plain_users_and_admins_hold_bans_and_roles() {
    let app = TestApp::spawn().await;
    let (root_id, root) = admin(&app, "root").await;
    let (mona, moderator) = with_roles(&app, "mona", "{user,moderator}").await;
    let (_, max) = with_roles(&app, "max", "{user,moderator}").await;
    let (ugo, ugo_token, _) = app.user("ugo").await;
    let forbidden = |r: (u16, Value)| r.0 == 403 && r.1["code"] == "forbidden";
    assert!(forbidden(change(&app, &moderator, &ugo, json!({ "status": "banned" })).await), "bans are admins'");
    assert!(forbidden(change(&app, &moderator, &ugo, json!({ "roles": ["moderator"] })).await));
    assert!(forbidden(change(&app, &max, &mona, json!({ "status": "suspended" })).await), "not on a moderator");
    assert!(forbidden(change(&app, &moderator, &root_id, json!({ "status": "suspended" })).await));
    assert!(forbidden(change(&app, &ugo_token, &ugo, json!({ "status": "active" })).await), "users cannot");
    assert_eq!(change(&app, &moderator, &ugo, json!({ "status": "suspended" })).await.0, 200, "until lifted");
    assert_eq!(change(&app, &moderator, &ugo, json!({ "status": "active" })).await.0, 200, "and lifted");
    // A role change ends the sessions (roles travel in the token); the new login carries it.
    let (status, v) = change(&app, &root, &ugo, json!({ "roles": ["moderator"], "reason": "trusted" })).await;
    assert_eq!((status, &v["roles"]), (200, &json!(["user", "moderator"])), "{v}");
    assert_eq!(app.get_auth("/api/v1/users/me", &ugo_token).await.status(), 401);
    let ugo_token = login(&app, "ugo").await.1["access_token"].as_str().expect("token").to_owned();
    assert_eq!(list(&app, &ugo_token, "").await.0, 200, "a moderator now");
    // Admins cannot suspend, ban or demote themselves.
    for body in [json!({ "status": "banned" }), json!({ "roles": [] })] {
        let (status, v) = change(&app, &root, &root_id, body).await;
        assert_eq!((status, v["code"].as_str()), (409, Some("own_account")), "{v}");
    }
    for (body, field) in [
        (json!({}), "status"),
        (json!({ "status": "deleted" }), ""),
        (json!({ "status": "banned", "suspended_until": Utc::now() + Days::hours(1) }), "suspended_until"),
        (json!({ "status": "suspended", "suspended_until": Utc::now() - Days::hours(1) }), "suspended_until"),
        (json!({ "status": "suspended", "reason": "x".repeat(501) }), "reason"),
        (json!({ "roles": ["king"] }), ""),
    ] {
        let (status, v) = change(&app, &root, &ugo, body.clone()).await;
        assert!((400..500).contains(&status) && v["code"].is_string(), "{body}: {status} {v}");
        if !field.is_empty() {
            assert!(v["errors"][field].is_array(), "{body}: {v}");
        }
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(change(&app, &root, &unknown, json!({ "status": "banned" })).await.0, 404);
    let audited = |action: &str| format!("SELECT count(*) AS n FROM audit_log WHERE action = '{action}'");
    assert_eq!(count(&app, &audited("user.roles_changed")).await, 1);
    assert_eq!(count(&app, &audited("user.suspended")).await, 1);
    assert_eq!(count(&app, &audited("user.reactivated")).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let (a, a_token) = admin(&app, &format!("ann{round}")).await;
        let (b, b_token) = admin(&app, &format!("ben{round}")).await;
        // Only these two are admins this round.
        diesel::sql_query("UPDATE users SET roles = '{user}' WHERE NOT (id = ANY($1::uuid[]))")
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(vec![a.clone(), b.clone()])
            .execute(&mut app.db.conn().await)
            .await
            .expect("others demoted");
        let demote = json!({ "roles": [] });
        let (x, y) = tokio::join!(change(&app, &a_token, &b, demote.clone()), change(&app, &b_token, &a, demote));
        let ok = [x.0, y.0].iter().filter(|s| **s == 200).count();
        assert_eq!(ok, 1, "round {round}: one wins, the other is refused: {x:?} {y:?}");
        let loser = if x.0 == 200 { &y } else { &x };
        assert!(matches!(loser.0, 403 | 409), "round {round}: {loser:?}");
        let admins = "SELECT count(*) AS n FROM users WHERE status = 'active' AND 'admin' = ANY(roles)";
        assert_eq!(count(&app, admins).await, 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_or_banned_account_can_still_be_deleted_and_reactivated() {
    let app = TestApp::spawn().await;
    let (_, root) = admin(&app, "root").await;
    let (sam, _, _) = app.user("sam").await;
    let until = Utc::now() + Days::days(3);
    let (status, v) = change(&app, &root, &sam, json!({ "status": "suspended", "suspended_until": until })).await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = change(&app, &root, &sam, json!({ "status": "banned" })).await;
    assert_eq!((status, &v["suspended_until"]), (200, &Value::Null), "a ban has no end: {v}");
    let (status, v) = change(&app, &root, &sam, json!({ "status": "active" })).await;
    assert_eq!((status, &v["status"]), (200, &json!("active")), "{v}");
    assert_eq!(login(&app, "sam").await.0, 200);
    let (_, _, _) = app.user("tia").await;
    let tia = list(&app, &root, "?q=tia").await.1["items"][0]["id"].as_str().expect("id").to_owned();
    let body = json!({ "status": "suspended", "suspended_until": until });
    assert_eq!(change(&app, &root, &tia, body).await.0, 200);
    let deleted = app.send_auth(Method::DELETE, &format!("/api/v1/admin/users/{tia}"), &root, None).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(change(&app, &root, &tia, json!({ "status": "active" })).await.0, 404, "gone for good");
}
