//! Categories, listings and their lifecycle, search, facets and pagination.

use crate::market::*;
use crate::support::TestApp;
use serde_json::{Value, json};
use std::collections::HashSet;

pub(crate) fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|i| i["id"].as_str().expect("id").to_owned()).collect()
}

fn titles(page: &Value) -> HashSet<String> {
    page["items"].as_array().expect("items").iter().map(|i| i["title"].as_str().expect("title").to_owned()).collect()
}

fn set(items: &[&str]) -> HashSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn categories_are_a_seeded_tree_that_admins_manage() {
    let app = TestApp::spawn().await;
    let (status, tree) = body(app.get("/api/v1/categories").await).await;
    assert_eq!(status, 200);
    let roots: Vec<&str> = tree.as_array().expect("roots").iter().filter_map(|n| n["slug"].as_str()).collect();
    for root in ["instruments", "amps-effects", "studio-gear", "audio", "services"] {
        assert!(roots.contains(&root), "{root} in {roots:?}");
    }
    let instruments = &tree.as_array().expect("roots")[0];
    assert_eq!(instruments["slug"], "instruments", "roots by position");
    let guitars = instruments["children"].as_array().expect("children").iter().find(|c| c["slug"] == "guitars");
    let electric =
        guitars.and_then(|g| g["children"].as_array()).map(|c| c.iter().any(|c| c["slug"] == "electric-guitars"));
    assert_eq!(electric, Some(true), "three levels: instruments > guitars > electric-guitars");

    let (_, user, _) = app.user("plain").await;
    let (_, admin) = admin(&app, "boss").await;
    let new = json!({ "name": "Theremins", "parent_id": category(&app, "instruments").await });
    assert_eq!(app.post_json("/api/v1/admin/categories", &new, None).await.status(), 401);
    assert_eq!(app.post_json("/api/v1/admin/categories", &new, Some(&user)).await.status(), 403);
    let (status, created) = body(app.post_json("/api/v1/admin/categories", &new, Some(&admin)).await).await;
    assert_eq!((status, created["slug"].as_str()), (201, Some("theremins")), "{created}");
    let theremins = created["id"].as_str().expect("id").to_owned();
    let (status, p) = body(app.post_json("/api/v1/admin/categories", &new, Some(&admin)).await).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("slug_taken")));
    let (status, list) = body(app.get_auth("/api/v1/admin/categories", &admin).await).await;
    assert_eq!(status, 200);
    assert!(list["items"].as_array().expect("items").iter().any(|c| c["slug"] == "theremins"));

    // Moving a category under its own descendant is refused; a rename is fine.
    let instruments_id = category(&app, "instruments").await;
    let guitars_id = category(&app, "guitars").await;
    let path = format!("/api/v1/admin/categories/{instruments_id}");
    let (status, p) = patch(&app, &admin, &path, &json!({ "parent_id": guitars_id })).await;
    assert_eq!((status, p["errors"]["parent_id"].is_array()), (422, true), "{p}");
    let (status, renamed) =
        patch(&app, &admin, &format!("/api/v1/admin/categories/{theremins}"), &json!({ "name": "Theremin & co" }))
            .await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("Theremin & co")));

    assert_eq!(delete(&app, &admin, &format!("/api/v1/admin/categories/{guitars_id}")).await, 409, "has children");
    assert_eq!(delete(&app, &user, &format!("/api/v1/admin/categories/{theremins}")).await, 403);
    assert_eq!(delete(&app, &admin, &format!("/api/v1/admin/categories/{theremins}")).await, 204);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'category.%'").await, 3);
}

#[tokio::test]
async fn a_listing_lives_through_its_lifecycle() {
    let app = TestApp::spawn().await;
    let (seller_id, seller, _) = app.user("sella").await;
    let (_, other, _) = app.user("otto").await;
    let cat = category(&app, "synthesizers").await;
    let mut b = listing_body("Korg MS-20 mini", &cat, 45_000, "eur", false);
    b["tags"] = json!(["  Analog ", "analog", "Monophonic  Synth"]);
    b["description"] = json!("Patch cables included.");
    // A track id must name one of the seller's tracks (tracks.rs has the accepted case).
    b["track_id"] = json!("0190a0a0-0000-7000-8000-000000000001");
    let (status, p) = body(app.post_json("/api/v1/listings", &b, Some(&seller)).await).await;
    assert_eq!((status, p["code"].as_str()), (422, Some("validation_failed")), "{p}");
    assert!(p["errors"]["track_id"].is_array(), "{p}");
    b["track_id"] = json!(null);
    let v = create_listing(&app, &seller, &b).await;
    let id = v["id"].as_str().expect("id").to_owned();
    assert_eq!(v["status"], "draft");
    assert_eq!(v["tags"], json!(["analog", "monophonic synth"]), "lowercased, trimmed, deduplicated");
    assert_eq!(v["price"], json!({ "amount": 45_000, "currency": "EUR" }));
    assert_eq!(v["seller"]["id"], json!(seller_id));
    assert!(v["track_id"].is_null());

    // A draft is the seller's alone.
    let path = format!("/api/v1/listings/{id}");
    assert_eq!(app.get(&path).await.status(), 404);
    assert_eq!(app.get_auth(&path, &other).await.status(), 404);
    assert_eq!(get_listing(&app, &seller, &id).await["status"], "draft");
    let (_, page) = body(app.get("/api/v1/listings").await).await;
    assert!(ids(&page).is_empty(), "drafts are not listed");

    let post = |verb: &str, token: &str| {
        let (url, token) = (format!("/api/v1/listings/{id}/{verb}"), token.to_owned());
        let app = &app;
        async move { body(app.post_json(&url, &json!({}), Some(&token)).await).await }
    };
    assert_eq!(post("publish", &other).await.0, 404, "another's draft does not exist for them");
    let (status, v) = post("publish", &seller).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("active")));
    assert!(v["published_at"].is_string());
    let (status, p) = post("publish", &seller).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("invalid_transition")));
    assert_eq!(post("archive", &other).await.0, 403, "only the seller");
    assert_eq!(post("reactivate", &seller).await.0, 409, "an active listing is not reactivated");
    assert_eq!(post("archive", &seller).await.1["status"], "archived");
    assert_eq!(app.get(&path).await.status(), 200, "archived listings stay readable");
    let (status, p) = post("archive", &seller).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("invalid_transition")));
    assert_eq!(post("publish", &seller).await.0, 409, "archived -> active is `reactivate`");
    assert_eq!(post("reactivate", &seller).await.1["status"], "active");
    assert_eq!(app.get(&path).await.status(), 200);

    // Editing: the seller only; validated; the currency is fixed while active.
    let (status, _) = patch(&app, &other, &path, &json!({ "title": "Mine now" })).await;
    assert_eq!(status, 403);
    let (status, v) =
        patch(&app, &seller, &path, &json!({ "title": "Korg MS-20 mini (boxed)", "track_id": null })).await;
    assert_eq!((status, v["title"].as_str(), v["track_id"].is_null()), (200, Some("Korg MS-20 mini (boxed)"), true));
    let (status, p) = patch(&app, &seller, &path, &json!({ "price": { "amount": 400, "currency": "USD" } })).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("currency_locked")));
    let (status, v) = patch(&app, &seller, &path, &json!({ "price": { "amount": 39_000, "currency": "EUR" } })).await;
    assert_eq!((status, v["price"]["amount"].as_i64()), (200, Some(39_000)));
    for bad in [
        json!({ "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>() }),
        json!({ "tags": ["x".repeat(33)] }),
        json!({ "title": "no" }),
        json!({ "category_id": "0190a0a0-0000-7000-8000-000000000009" }),
        json!({ "condition": "mint" }),
        json!({ "price": { "amount": -1, "currency": "EUR" } }),
    ] {
        let (status, p) = patch(&app, &seller, &path, &bad).await;
        assert_eq!(status, 422, "{bad} -> {p}");
    }
    let mut bad_currency = listing_body("Roland Juno-60", &cat, 100, "EURO", true);
    let (status, p) = body(app.post_json("/api/v1/listings", &bad_currency, Some(&seller)).await).await;
    assert_eq!((status, p["errors"]["currency"].is_array()), (422, true), "{p}");
    bad_currency["price"]["currency"] = json!("JPY");
    assert_eq!(app.post_json("/api/v1/listings", &bad_currency, None).await.status(), 401);

    // Deleting: the seller only.
    assert_eq!(delete(&app, &other, &path).await, 403);
    assert_eq!(delete(&app, &seller, &path).await, 204);
    assert_eq!(app.get(&path).await.status(), 404);
    let kinds = count(&app, "SELECT count(DISTINCT kind) AS n FROM activity WHERE kind LIKE 'listing.%'").await;
    assert_eq!(kinds, 6, "created, published, archived, reactivated, updated, deleted");
}

/// The fixture for search and facets, with known answers.
pub(crate) async fn fixture(app: &TestApp) -> (String, String, String) {
    let (_, s, _) = app.user("shop").await;
    let (_, s2, _) = app.user("pedalboard").await;
    let cat = |slug: &'static str| category(app, slug);
    let rows = [
        (
            "Fender Stratocaster 1972",
            "Sunburst, maple neck",
            "electric-guitars",
            &["vintage", "fender"][..],
            "used",
            150_000,
            "EUR",
        ),
        (
            "Gibson Les Paul Custom",
            "A heavy guitar, ebony",
            "electric-guitars",
            &["vintage", "gibson"],
            "like_new",
            250_000,
            "EUR",
        ),
        (
            "Yamaha FG800 acoustic guitar",
            "Great for beginners",
            "acoustic-guitars",
            &["yamaha", "beginner"],
            "new",
            20_000,
            "EUR",
        ),
        ("Fender Precision Bass", "Passive pickups", "electric-basses", &["fender", "bass"], "used", 90_000, "EUR"),
        ("Moog Minimoog Model D", "Three oscillators", "synthesizers", &["analog", "vintage"], "used", 400_000, "USD"),
        ("Drum samples volume 1", "One-shots and loops", "sample-packs", &["drums", "samples"], "new", 1_500, "EUR"),
    ];
    for (title, description, slug, tags, condition, amount, currency) in rows {
        let mut b = listing_body(title, &cat(slug).await, amount, currency, true);
        b["description"] = json!(description);
        b["tags"] = json!(tags);
        b["condition"] = json!(condition);
        create_listing(app, &s, &b).await;
    }
    let mut draft = listing_body("Secret Fender prototype", &cat("electric-guitars").await, 999_999, "EUR", false);
    draft["tags"] = json!(["fender"]);
    create_listing(app, &s, &draft).await;
    let mut pedal = listing_body("Boss DS-1 distortion pedal", &cat("effects-pedals").await, 4_000, "EUR", true);
    pedal["tags"] = json!(["boss", "pedal"]);
    create_listing(app, &s2, &pedal).await;
    (s, s2, "pedalboard".into())
}

#[tokio::test]
async fn search_filters_and_facets_give_the_known_answers() {
    let app = TestApp::spawn().await;
    let (s, s2, s2_name) = fixture(&app).await;
    let get = |q: &str| {
        let url = format!("/api/v1/listings?{q}");
        let app = &app;
        async move {
            let (status, v) = body(app.get(&url).await).await;
            assert_eq!(status, 200, "{url}: {v}");
            v
        }
    };

    let all = get("").await;
    assert_eq!(ids(&all).len(), 7, "six active from the shop, one from the pedalboard; no draft");
    let f = &all["facets"];
    let conditions: Vec<(String, i64)> = f["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .map(|c| (c["condition"].as_str().expect("c").to_owned(), c["count"].as_i64().expect("n")))
        .collect();
    assert_eq!(conditions, [("used".into(), 4), ("new".into(), 2), ("like_new".into(), 1)]);
    let tags: Vec<(&str, i64)> = f["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| (t["tag"].as_str().expect("t"), t["count"].as_i64().expect("n")))
        .collect();
    assert_eq!(tags[..2], [("vintage", 3), ("fender", 2)], "the draft's tag is not counted");
    assert_eq!(tags.len(), 11);
    let buckets: Vec<i64> =
        f["price"].as_array().expect("price").iter().map(|b| b["count"].as_i64().expect("n")).collect();
    assert_eq!(buckets, [0, 2, 0, 1, 1, 3], "<10, 10-50, 50-100, 100-500, 500-1000, 1000+ (major units)");
    let cats: Vec<(&str, i64, i64)> = f["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| (c["slug"].as_str().expect("s"), c["count"].as_i64().expect("n"), c["total"].as_i64().expect("t")))
        .collect();
    assert!(cats.contains(&("instruments", 0, 5)), "{cats:?}");
    assert!(cats.contains(&("guitars", 0, 3)));
    assert!(cats.contains(&("electric-guitars", 2, 2)));
    assert!(cats.contains(&("effects-pedals", 1, 1)));

    let guitars = get("category=guitars").await;
    assert_eq!(
        titles(&guitars),
        set(&["Fender Stratocaster 1972", "Gibson Les Paul Custom", "Yamaha FG800 acoustic guitar"])
    );
    let gc: Vec<(&str, i64)> = guitars["facets"]["categories"]
        .as_array()
        .expect("c")
        .iter()
        .map(|c| (c["slug"].as_str().expect("s"), c["total"].as_i64().expect("t")))
        .collect();
    assert_eq!(gc, [("guitars", 3), ("instruments", 3), ("electric-guitars", 2), ("acoustic-guitars", 1)]);
    let id = category(&app, "instruments").await;
    let used = get(&format!("category={id}&condition=used")).await;
    assert_eq!(titles(&used), set(&["Fender Stratocaster 1972", "Fender Precision Bass", "Moog Minimoog Model D"]));
    assert_eq!(titles(&get("tag=vintage").await).len(), 3);
    assert_eq!(titles(&get("tag=Vintage,fender").await), set(&["Fender Stratocaster 1972"]));
    assert_eq!(
        titles(&get("min_price=100000&max_price=300000").await),
        set(&["Fender Stratocaster 1972", "Gibson Les Paul Custom"])
    );
    assert_eq!(titles(&get("currency=usd").await), set(&["Moog Minimoog Model D"]));
    assert_eq!(titles(&get(&format!("seller={s2_name}")).await), set(&["Boss DS-1 distortion pedal"]));
    assert!(ids(&get("seller=nobody-sells-this").await).is_empty());

    // Full text: stemmed ("guitars" finds "guitar"), title weighs more than description.
    let text = get("q=guitars").await;
    assert_eq!(
        text["items"].as_array().expect("items").iter().map(|i| i["title"].as_str().expect("t")).collect::<Vec<_>>(),
        ["Yamaha FG800 acoustic guitar", "Gibson Les Paul Custom"],
        "relevance: title match first, description match second"
    );
    assert_eq!(titles(&get("q=fender").await), set(&["Fender Stratocaster 1972", "Fender Precision Bass"]), "no draft");
    assert_eq!(titles(&get("q=oscillators").await), set(&["Moog Minimoog Model D"]), "description");
    assert_eq!(titles(&get("q=beginner").await), set(&["Yamaha FG800 acoustic guitar"]), "tags");
    assert_eq!(get("q=fender").await["facets"]["tags"][0]["tag"], "fender");

    let prices = get("sort=price_asc").await;
    let amounts: Vec<i64> =
        prices["items"].as_array().expect("items").iter().map(|i| i["price"]["amount"].as_i64().expect("a")).collect();
    assert_eq!(amounts, [1_500, 4_000, 20_000, 90_000, 150_000, 250_000, 400_000]);
    let desc = get("sort=price_desc&limit=2").await;
    assert_eq!(desc["items"][0]["price"]["amount"], 400_000);

    // Drafts: the caller's own only.
    let url = "/api/v1/listings?status=draft";
    let (_, mine) = body(app.get_auth(url, &s).await).await;
    assert_eq!(titles(&mine), set(&["Secret Fender prototype"]));
    let (_, theirs) = body(app.get_auth(url, &s2).await).await;
    assert!(ids(&theirs).is_empty());
    assert!(ids(&get("status=draft").await).is_empty(), "anonymous");

    for bad in [
        "sort=relevance",
        "category=no-such",
        "min_price=-1",
        "min_price=10&max_price=5",
        "currency=XX",
        "condition=mint",
        "limit=0",
        "limit=101",
        "cursor=garbage",
        "status=gone",
    ] {
        let (status, p) = body(app.get(&format!("/api/v1/listings?{bad}")).await).await;
        assert_eq!(status, 422, "{bad}: {p}");
    }
}

#[tokio::test]
async fn pagination_is_stable_under_inserts() {
    let app = TestApp::spawn().await;
    let (_, s, _) = app.user("bulk").await;
    let cat = category(&app, "cables").await;
    let mut originals = Vec::new();
    for i in 0..25 {
        let v = create_listing(&app, &s, &listing_body(&format!("Cable {i}"), &cat, 100 * (i + 1), "EUR", true)).await;
        originals.push(v["id"].as_str().expect("id").to_owned());
    }

    // The index answers (relevance pages are offsets into one of its generations).
    app.search_state("ready").await;
    for sort in ["newest", "price_asc", "price_desc", "relevance"] {
        // A writer inserts listings at prices below, inside and above the walk's range while
        // the pages are read, concurrently on the same node.
        let writer = async {
            for (n, p) in [50, 1_250, 2_450, 9_999, 150, 1_750].into_iter().enumerate() {
                // (Inserted cables match the relevance walk's words too: they come in later
                // generations of the index, which a walk's cursor does not read.)
                let mut b = listing_body(&format!("Inserted {sort} cable {n}"), &cat, p, "EUR", true);
                b["tags"] = json!(["new"]);
                create_listing(&app, &s, &b).await;
                tokio::time::sleep(std::time::Duration::from_millis(15)).await;
            }
        };
        let walk = async {
            let mut seen: Vec<String> = Vec::new();
            let mut cursor: Option<String> = None;
            for pages in 1.. {
                let mut url = format!("/api/v1/listings?sort={sort}&limit=4&category=cables");
                if sort == "relevance" {
                    // Every original matches ("Cable <n>": equal scores, ties in index order).
                    url.push_str("&q=cable");
                }
                if let Some(c) = &cursor {
                    url.push_str(&format!("&cursor={c}"));
                }
                let (status, page) = body(app.get(&url).await).await;
                assert_eq!(status, 200, "{page}");
                assert_eq!(page["facets"].is_null(), cursor.is_some(), "facets with the first page only");
                seen.extend(ids(&page));
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
                if sort == "relevance" {
                    let raw = cursor.as_deref().unwrap_or_default();
                    let text = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, raw)
                        .unwrap_or_default();
                    assert!(
                        text.starts_with(b"ri:"),
                        "a relevance page of the index: {}",
                        String::from_utf8_lossy(&text)
                    );
                }
                assert!(pages < 30, "pagination ends");
            }
            seen
        };
        let ((), seen) = tokio::join!(writer, walk);
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: no listing twice");
        for id in &originals {
            assert!(seen.contains(id), "{sort}: every listing present when the walk began is seen");
        }
    }
}

#[tokio::test]
async fn the_marketplace_is_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.expect("json");
    let expected = [
        ("/api/v1/categories", "get"),
        ("/api/v1/admin/categories", "get"),
        ("/api/v1/admin/categories", "post"),
        ("/api/v1/admin/categories/{id}", "patch"),
        ("/api/v1/admin/categories/{id}", "delete"),
        ("/api/v1/listings", "get"),
        ("/api/v1/listings", "post"),
        ("/api/v1/listings/{id}", "get"),
        ("/api/v1/listings/{id}", "patch"),
        ("/api/v1/listings/{id}", "delete"),
        ("/api/v1/listings/{id}/publish", "post"),
        ("/api/v1/listings/{id}/archive", "post"),
        ("/api/v1/listings/{id}/reactivate", "post"),
        ("/api/v1/listings/{id}/offers", "post"),
        ("/api/v1/offers", "get"),
        ("/api/v1/offers/{id}", "get"),
        ("/api/v1/offers/{id}/counter", "post"),
        ("/api/v1/offers/{id}/accept", "post"),
        ("/api/v1/offers/{id}/decline", "post"),
        ("/api/v1/offers/{id}/withdraw", "post"),
        ("/api/v1/offers/{id}/confirm", "post"),
        ("/api/v1/offers/{id}/cancel", "post"),
    ];
    for (path, method) in expected {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} documented");
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has responses");
    }
    for schema in ["ListingView", "ListingPage", "Facets", "OfferView", "OfferEventView", "Money", "CategoryNode"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema} documented");
    }
    assert!(doc["paths"]["/api/v1/listings"]["post"]["requestBody"].is_object());
    assert!(doc["paths"]["/api/v1/offers/{id}/counter"]["post"]["requestBody"].is_object());
}
