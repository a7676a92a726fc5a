//! Helpers shared by the marketplace tests: categories by slug, listings, offers, admins.

use crate::support::TestApp;
use crate::support::app::PASSWORD;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

/// Status and JSON body (Null when there is none).
pub async fn body(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The id of the seeded category `slug`.
pub async fn category(app: &TestApp, slug: &str) -> String {
    fn find(nodes: &Value, slug: &str) -> Option<String> {
        nodes.as_array()?.iter().find_map(|n| {
            if n["slug"] == slug { n["id"].as_str().map(str::to_owned) } else { find(&n["children"], slug) }
        })
    }
    let (status, tree) = body(app.get("/api/v1/categories").await).await;
    assert_eq!(status, 200);
    find(&tree, slug).unwrap_or_else(|| panic!("category {slug} is seeded"))
}

/// A listing body; `publish` makes it active at once.
pub fn listing_body(title: &str, category: &str, amount: i64, currency: &str, publish: bool) -> Value {
    json!({
        "title": title,
        "description": "",
        "price": { "amount": amount, "currency": currency },
        "category_id": category,
        "tags": [],
        "condition": "used",
        "publish": publish,
    })
}

/// Creates a listing (201) and answers it.
pub async fn create_listing(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, v) = self::body(app.post_json("/api/v1/listings", body, Some(token)).await).await;
    assert_eq!(status, 201, "create listing: {v}");
    v
}

/// An active listing in `electric-guitars`, priced in EUR; answers its id.
pub async fn active_listing(app: &TestApp, token: &str, title: &str, amount: i64) -> String {
    let cat = category(app, "electric-guitars").await;
    let v = create_listing(app, token, &listing_body(title, &cat, amount, "EUR", true)).await;
    v["id"].as_str().expect("id").to_owned()
}

/// POST an offer of `amount` EUR on `listing`.
pub async fn offer(app: &TestApp, token: &str, listing: &str, amount: i64) -> (u16, Value) {
    let b = json!({ "amount": { "amount": amount, "currency": "EUR" }, "message": "would you take this?" });
    body(app.post_json(&format!("/api/v1/listings/{listing}/offers"), &b, Some(token)).await).await
}

/// POST /offers/{id}/{verb} with an optional body.
pub async fn act(app: &TestApp, token: &str, offer: &str, verb: &str, b: Option<Value>) -> (u16, Value) {
    let b = b.unwrap_or_else(|| json!({}));
    body(app.post_json(&format!("/api/v1/offers/{offer}/{verb}"), &b, Some(token)).await).await
}

pub async fn counter(app: &TestApp, token: &str, offer: &str, amount: i64, currency: &str) -> (u16, Value) {
    act(app, token, offer, "counter", Some(json!({ "amount": { "amount": amount, "currency": currency } }))).await
}

pub async fn get_listing(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, v) = body(app.get_auth(&format!("/api/v1/listings/{id}"), token).await).await;
    assert_eq!(status, 200, "{v}");
    v
}

pub async fn get_offer(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    body(app.get_auth(&format!("/api/v1/offers/{id}"), token).await).await
}

/// The `action`s of an offer's history, oldest first.
pub fn actions(offer: &Value) -> Vec<String> {
    offer["events"].as_array().expect("events").iter().map(|e| e["action"].as_str().unwrap_or("").to_owned()).collect()
}

/// Registers `name`, makes it an admin in the database, and logs in again (roles are in the token).
pub async fn admin(app: &TestApp, name: &str) -> (String, String) {
    let (id, _, _) = app.user(name).await;
    diesel::sql_query("UPDATE users SET roles = '{user,admin}' WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut app.db.conn().await)
        .await
        .expect("promote");
    let (status, v) =
        body(app.post_json("/api/v1/auth/login", &json!({ "login": name, "password": PASSWORD }), None).await).await;
    assert_eq!(status, 200, "{v}");
    (id, v["access_token"].as_str().expect("token").to_owned())
}

/// One integer from SQL (`SELECT … AS n`).
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(sql).get_result(&mut app.db.conn().await).await.expect("count");
    n.n
}

pub async fn patch(app: &TestApp, token: &str, path: &str, b: &Value) -> (u16, Value) {
    body(app.send_auth(Method::PATCH, path, token, Some(b)).await).await
}

pub async fn delete(app: &TestApp, token: &str, path: &str) -> u16 {
    app.send_auth(Method::DELETE, path, token, None).await.status().as_u16()
}
