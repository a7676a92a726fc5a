//! Offers: the negotiation, who may do what, the accept race, expiry, idempotent replays and
//! the live pushes to both parties.

use crate::market::*;
use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::ws::ChatClient;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn a_negotiation_runs_to_completion_with_its_history() {
    let app = TestApp::spawn().await;
    let (seller_id, s, _) = app.user("selma").await;
    let (buyer_id, b, _) = app.user("bruno").await;
    let listing = active_listing(&app, &s, "Gretsch White Falcon", 300_000).await;

    let (status, o) = offer(&app, &b, &listing, 250_000).await;
    assert_eq!(status, 201, "{o}");
    let id = o["id"].as_str().expect("id").to_owned();
    assert_eq!((o["status"].as_str(), o["turn"].as_str()), (Some("pending"), Some("seller")));
    assert_eq!(o["amount"], json!({ "amount": 250_000, "currency": "EUR" }));
    assert_eq!(
        (o["buyer"]["id"].as_str(), o["seller"]["id"].as_str()),
        (Some(buyer_id.as_str()), Some(seller_id.as_str()))
    );
    assert_eq!(o["listing"]["id"], json!(listing));
    assert!(o["expires_at"].is_string());
    assert_eq!(actions(&o), ["created"]);

    let (status, o) = counter(&app, &s, &id, 290_000, "EUR").await;
    assert_eq!((status, o["status"].as_str(), o["turn"].as_str()), (200, Some("countered"), Some("buyer")));
    let (status, o) = counter(&app, &b, &id, 270_000, "EUR").await;
    assert_eq!((status, o["status"].as_str(), o["amount"]["amount"].as_i64()), (200, Some("pending"), Some(270_000)));
    let (status, o) = act(&app, &s, &id, "accept", None).await;
    assert_eq!(
        (status, o["status"].as_str(), o["turn"].is_null(), o["expires_at"].is_null()),
        (200, Some("accepted"), true, true)
    );
    assert_eq!(get_listing(&app, &s, &listing).await["status"], "reserved");

    let (status, o) = act(&app, &b, &id, "confirm", None).await;
    assert_eq!((status, o["status"].as_str(), o["buyer_confirmed"].as_bool()), (200, Some("accepted"), Some(true)));
    let (status, p) = act(&app, &b, &id, "confirm", None).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("already_confirmed")));
    let (status, o) = act(&app, &s, &id, "confirm", None).await;
    assert_eq!((status, o["status"].as_str()), (200, Some("completed")));
    assert_eq!(get_listing(&app, &s, &listing).await["status"], "sold");

    let (_, full) = get_offer(&app, &b, &id).await;
    assert_eq!(actions(&full), ["created", "countered", "countered", "accepted", "confirmed", "confirmed"]);
    let events = full["events"].as_array().expect("events");
    let actors: Vec<&str> = events.iter().map(|e| e["actor"]["username"].as_str().unwrap_or("-")).collect();
    assert_eq!(actors, ["bruno", "selma", "bruno", "selma", "bruno", "selma"]);
    let amounts: Vec<Option<i64>> = events.iter().map(|e| e["amount"]["amount"].as_i64()).collect();
    assert_eq!(amounts, [Some(250_000), Some(290_000), Some(270_000), None, None, None]);
    let statuses: Vec<&str> = events.iter().map(|e| e["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["pending", "countered", "pending", "accepted", "accepted", "completed"]);

    // A sold listing is final.
    let path = format!("/api/v1/listings/{listing}");
    let (status, p) = patch(&app, &s, &path, &json!({ "title": "Gretsch (sold)" })).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("listing_sold")));
    assert_eq!(delete(&app, &s, &path).await, 409);
    let (status, p) = body(app.post_json(&format!("{path}/archive"), &json!({}), Some(&s)).await).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("invalid_transition")));

    // Both parties' activity tells the story.
    let (_, act_b) = body(app.get_auth("/api/v1/users/me/activity", &b).await).await;
    let kinds: Vec<&str> =
        act_b["items"].as_array().expect("items").iter().filter_map(|i| i["kind"].as_str()).collect();
    assert!(kinds.contains(&"offer.created") && kinds.contains(&"offer.accepted"), "{kinds:?}");
    let (_, act_s) = body(app.get_auth("/api/v1/users/me/activity", &s).await).await;
    let kinds: Vec<&str> =
        act_s["items"].as_array().expect("items").iter().filter_map(|i| i["kind"].as_str()).collect();
    assert!(kinds.contains(&"listing.sold") && kinds.contains(&"offer.confirmed"), "{kinds:?}");

    // Lists, by role and status.
    let (_, mine) = body(app.get_auth("/api/v1/offers?role=buyer", &b).await).await;
    assert_eq!(mine["items"][0]["id"], json!(id));
    assert!(mine["items"][0].get("events").is_none(), "lists leave the history out");
    let (_, none) = body(app.get_auth("/api/v1/offers?role=seller", &b).await).await;
    assert_eq!(none["items"], json!([]));
    let (_, done) = body(app.get_auth("/api/v1/offers?status=completed", &s).await).await;
    assert_eq!(done["items"].as_array().map(Vec::len), Some(1));
    let (_, open) = body(app.get_auth("/api/v1/offers?status=pending", &s).await).await;
    assert_eq!(open["items"], json!([]));
    assert_eq!(app.get_auth("/api/v1/offers?role=judge", &s).await.status(), 422);
    assert_eq!(app.get("/api/v1/offers").await.status(), 401);
}

#[tokio::test]
async fn offers_are_refused_where_the_rules_say() {
    let app = TestApp::spawn().await;
    let (_, s, _) = app.user("sam").await;
    let (b_id, b, _) = app.user("bea").await;
    let (_, c, _) = app.user("cid").await;
    let listing = active_listing(&app, &s, "Rickenbacker 330", 200_000).await;

    let (status, p) = offer(&app, &s, &listing, 100).await;
    assert_eq!((status, p["code"].as_str()), (403, Some("own_listing")));
    let usd = json!({ "amount": { "amount": 100, "currency": "USD" } });
    let (status, p) = body(app.post_json(&format!("/api/v1/listings/{listing}/offers"), &usd, Some(&b)).await).await;
    assert_eq!((status, p["code"].as_str()), (422, Some("currency_mismatch")));
    let (status, _) = offer(&app, &b, &listing, 0).await;
    assert_eq!(status, 422);
    let unknown = "0190a0a0-0000-7000-8000-00000000beef";
    assert_eq!(offer(&app, &b, unknown, 100).await.0, 404);

    let (status, _) = offer(&app, &b, &listing, 150_000).await;
    assert_eq!(status, 201);
    let (status, p) = offer(&app, &b, &listing, 160_000).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("offer_exists")), "one open offer per buyer and listing");

    // The seller blocks C: C cannot make offers.
    assert_eq!(app.post_json("/api/v1/users/cid/block", &json!({}), Some(&s)).await.status(), 204);
    let (status, p) = offer(&app, &c, &listing, 150_000).await;
    assert_eq!((status, p["code"].as_str()), (403, Some("blocked")));

    // Drafts are invisible; archived listings take no offers (and archiving expired B's).
    let cat = category(&app, "electric-guitars").await;
    let draft = create_listing(&app, &s, &listing_body("Draft guitar", &cat, 100, "EUR", false)).await;
    assert_eq!(offer(&app, &b, draft["id"].as_str().expect("id"), 100).await.0, 404);
    assert_eq!(app.post_json(&format!("/api/v1/listings/{listing}/archive"), &json!({}), Some(&s)).await.status(), 200);
    let (status, p) = offer(&app, &b, &listing, 150_000).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("listing_not_active")));
    let (_, mine) = body(app.get_auth("/api/v1/offers?role=buyer", &b).await).await;
    let first = &mine["items"][0];
    assert_eq!((first["status"].as_str(), first["buyer"]["id"].as_str()), (Some("expired"), Some(b_id.as_str())));
    let (_, full) = get_offer(&app, &b, first["id"].as_str().expect("id")).await;
    let last = full["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!((last["action"].as_str(), last["actor"].is_null()), (Some("expired"), true), "the system expired it");
    // Reactivated, it takes offers again.
    assert_eq!(
        app.post_json(&format!("/api/v1/listings/{listing}/reactivate"), &json!({}), Some(&s)).await.status(),
        200
    );
    assert_eq!(offer(&app, &b, &listing, 150_000).await.0, 201);
}

#[tokio::test]
async fn only_the_parties_act_and_only_in_turn() {
    let app = TestApp::spawn().await;
    let (_, s, _) = app.user("sid").await;
    let (_, b, _) = app.user("bob").await;
    let (_, third, _) = app.user("tom").await;
    let listing = active_listing(&app, &s, "Hofner violin bass", 120_000).await;
    let (_, o) = offer(&app, &b, &listing, 100_000).await;
    let id = o["id"].as_str().expect("id").to_owned();

    // A third user can neither see nor act: the offer does not exist for them.
    assert_eq!(get_offer(&app, &third, &id).await.0, 404);
    for verb in ["accept", "decline", "withdraw", "confirm", "cancel"] {
        assert_eq!(act(&app, &third, &id, verb, None).await.0, 404, "{verb}");
    }
    assert_eq!(counter(&app, &third, &id, 1, "EUR").await.0, 404);
    let (_, list) = body(app.get_auth("/api/v1/offers", &third).await).await;
    assert_eq!(list["items"], json!([]));

    // Pending: the seller's turn.
    for verb in ["accept", "decline"] {
        let (status, p) = act(&app, &b, &id, verb, None).await;
        assert_eq!((status, p["code"].as_str()), (403, Some("not_your_turn")), "buyer {verb} on pending");
    }
    assert_eq!(counter(&app, &b, &id, 90_000, "EUR").await.0, 403, "buyer counters own proposal");
    assert_eq!(act(&app, &s, &id, "withdraw", None).await.0, 403, "seller withdraws buyer's proposal");
    for verb in ["confirm", "cancel"] {
        let (status, p) = act(&app, &s, &id, verb, None).await;
        assert_eq!((status, p["code"].as_str()), (409, Some("invalid_transition")), "{verb} before acceptance");
    }
    let (status, p) = counter(&app, &s, &id, 110_000, "USD").await;
    assert_eq!((status, p["code"].as_str()), (422, Some("currency_mismatch")));
    assert_eq!(counter(&app, &s, &id, -5, "EUR").await.0, 422);
    assert_eq!(act(&app, &s, &id, "counter", Some(json!({}))).await.0, 422, "a counter names an amount");

    // Countered: the buyer's turn; the seller may withdraw the counter.
    assert_eq!(counter(&app, &s, &id, 115_000, "EUR").await.0, 200);
    assert_eq!(act(&app, &s, &id, "accept", None).await.1["code"], "not_your_turn");
    assert_eq!(counter(&app, &s, &id, 112_000, "EUR").await.0, 403);
    let (status, o) = act(&app, &s, &id, "withdraw", None).await;
    assert_eq!((status, o["status"].as_str()), (200, Some("withdrawn")));
    for verb in ["accept", "decline", "withdraw", "confirm", "cancel"] {
        assert_eq!(act(&app, &b, &id, verb, None).await.1["code"], "invalid_transition", "{verb} after withdrawal");
    }

    // Decline ends it; a new offer may follow.
    let (_, o) = offer(&app, &b, &listing, 95_000).await;
    let id2 = o["id"].as_str().expect("id").to_owned();
    assert_eq!(act(&app, &s, &id2, "decline", None).await.1["status"], "declined");
    assert_eq!(counter(&app, &b, &id2, 96_000, "EUR").await.1["code"], "invalid_transition");

    // The buyer withdraws their own proposal.
    let (_, o) = offer(&app, &b, &listing, 97_000).await;
    let id3 = o["id"].as_str().expect("id").to_owned();
    assert_eq!(act(&app, &b, &id3, "withdraw", None).await.1["status"], "withdrawn");

    // Accepted, then cancelled by either party: the listing is active again.
    let (_, o) = offer(&app, &b, &listing, 99_000).await;
    let id4 = o["id"].as_str().expect("id").to_owned();
    assert_eq!(counter(&app, &s, &id4, 105_000, "EUR").await.0, 200);
    assert_eq!(act(&app, &b, &id4, "accept", None).await.1["status"], "accepted", "the buyer accepts a counter");
    assert_eq!(get_listing(&app, &s, &listing).await["status"], "reserved");
    let (status, p) =
        body(app.post_json(&format!("/api/v1/listings/{listing}/archive"), &json!({}), Some(&s)).await).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("invalid_transition")), "a reserved listing is not archived");
    assert_eq!(delete(&app, &s, &format!("/api/v1/listings/{listing}")).await, 409, "nor deleted");
    assert_eq!(act(&app, &third, &id4, "cancel", None).await.0, 404);
    assert_eq!(act(&app, &s, &id4, "cancel", None).await.1["status"], "cancelled");
    assert_eq!(get_listing(&app, &s, &listing).await["status"], "active");
    assert_eq!(act(&app, &b, &id4, "confirm", None).await.1["code"], "invalid_transition");
}

#[tokio::test]
async fn two_simultaneous_accepts_on_one_listing_cannot_both_win() {
    let app = TestApp::spawn_with(&[("VEZA__DATABASE__POOL_SIZE", "12")]).await;
    let (_, s, _) = app.user("sara").await;
    let (_, b1, _) = app.user("buyer1").await;
    let (_, b2, _) = app.user("buyer2").await;
    let (_, b3, _) = app.user("buyer3").await;
    for round in 0..4 {
        let listing = active_listing(&app, &s, &format!("Contested amp {round}"), 50_000).await;
        let mut ids = Vec::new();
        for b in [&b1, &b2, &b3] {
            let (status, o) = offer(&app, b, &listing, 40_000).await;
            assert_eq!(status, 201);
            ids.push(o["id"].as_str().expect("id").to_owned());
        }
        let results = futures_util::future::join_all(ids.iter().map(|id| act(&app, &s, id, "accept", None))).await;
        let won: Vec<usize> = results.iter().enumerate().filter(|(_, (st, _))| *st == 200).map(|(i, _)| i).collect();
        assert_eq!(won.len(), 1, "round {round}: exactly one acceptance wins: {results:?}");
        for (status, p) in results.iter().filter(|(st, _)| *st != 200) {
            assert_eq!(*status, 409, "the others are conflicts: {p}");
        }
        assert_eq!(get_listing(&app, &s, &listing).await["status"], "reserved");
        for (i, id) in ids.iter().enumerate() {
            let (_, o) = get_offer(&app, &s, id).await;
            let want = if i == won[0] { "accepted" } else { "expired" };
            assert_eq!(o["status"], want, "round {round}, offer {i}");
            if i != won[0] {
                assert_eq!(actions(&o), ["created", "expired"], "expired by the acceptance, with an event");
            }
        }
    }
    // The same offer accepted twice at once: one wins, the other finds it accepted.
    let listing = active_listing(&app, &s, "Twice accepted", 10_000).await;
    let (_, o) = offer(&app, &b1, &listing, 9_000).await;
    let id = o["id"].as_str().expect("id").to_owned();
    let (r1, r2) = tokio::join!(act(&app, &s, &id, "accept", None), act(&app, &s, &id, "accept", None));
    let mut statuses = [r1.0, r2.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let accepted =
        count(&app, &format!("SELECT count(*) AS n FROM offer_events WHERE offer_id = '{id}' AND action = 'accepted'"))
            .await;
    assert_eq!(accepted, 1);
}

#[tokio::test]
async fn open_offers_expire_when_unanswered_and_accepted_ones_do_not() {
    let app = TestApp::spawn_with(&[("VEZA__OFFERS__EXPIRY_SECS", "2")]).await;
    let (_, s, _) = app.user("sue").await;
    let (_, b, _) = app.user("ben").await;
    let mut ws_b = ChatClient::connect(app.addr, &b).await;
    let l1 = active_listing(&app, &s, "Slow answer", 10_000).await;
    let l2 = active_listing(&app, &s, "Quick answer", 10_000).await;
    let (_, o1) = offer(&app, &b, &l1, 9_000).await;
    let (_, o2) = offer(&app, &b, &l2, 9_000).await;
    let (id1, id2) = (o1["id"].as_str().expect("id").to_owned(), o2["id"].as_str().expect("id").to_owned());

    // A counter restarts the clock for the other party.
    let before = o2["expires_at"].as_str().expect("expires_at").to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, countered) = counter(&app, &s, &id2, 9_500, "EUR").await;
    let after = countered["expires_at"].as_str().expect("expires_at");
    assert!(after > before.as_str(), "{after} > {before}");
    assert_eq!(act(&app, &b, &id2, "accept", None).await.0, 200);

    let expired = eventually(Duration::from_secs(10), "the unanswered offer expired", || async {
        let (_, o) = get_offer(&app, &b, &id1).await;
        (o["status"] == "expired").then_some(o)
    })
    .await;
    let last = expired["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!((last["action"].as_str(), last["actor"].is_null()), (Some("expired"), true));
    assert!(expired["expires_at"].is_null() && expired["turn"].is_null());
    // The push reached the buyer.
    loop {
        let ev = ws_b.expect("event").await;
        if ev["data"]["id"] == json!(id1) && ev["data"]["status"] == "expired" {
            assert_eq!(ev["kind"], "offer.updated");
            break;
        }
    }
    // Well past its would-be expiry, the accepted offer stands.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(get_offer(&app, &b, &id2).await.1["status"], "accepted");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM offer_events WHERE action = 'expired'").await, 1);
    // Expired offers are terminal.
    assert_eq!(act(&app, &s, &id1, "accept", None).await.1["code"], "invalid_transition");
}

#[tokio::test]
async fn every_transition_is_pushed_live_to_both_parties() {
    let app = TestApp::spawn().await;
    let (_, s, _) = app.user("sly").await;
    let (_, b, _) = app.user("bix").await;
    let (_, third, _) = app.user("tess").await;
    let listing = active_listing(&app, &s, "Live synth", 80_000).await;
    let mut ws_s = ChatClient::connect(app.addr, &s).await;
    let mut ws_b = ChatClient::connect(app.addr, &b).await;
    let mut ws_t = ChatClient::connect(app.addr, &third).await;

    let (_, o) = offer(&app, &b, &listing, 70_000).await;
    let id = o["id"].as_str().expect("id").to_owned();
    for ws in [&mut ws_s, &mut ws_b] {
        let ev = ws.expect("event").await;
        assert_eq!((ev["kind"].as_str(), ev["data"]["id"].as_str()), (Some("offer.created"), Some(id.as_str())));
        assert_eq!(ev["data"]["status"], "pending");
        assert_eq!(actions(&ev["data"]), ["created"], "the pushed offer carries its history");
    }
    let steps: [(&str, &str, &str); 3] =
        [(&s, "counter", "countered"), (&b, "accept", "accepted"), (&s, "confirm", "accepted")];
    for (token, verb, status) in steps {
        let b = (verb == "counter").then(|| json!({ "amount": { "amount": 75_000, "currency": "EUR" } }));
        assert_eq!(act(&app, token, &id, verb, b).await.0, 200, "{verb}");
        for ws in [&mut ws_s, &mut ws_b] {
            let ev = ws.expect("event").await;
            assert_eq!(
                (ev["kind"].as_str(), ev["data"]["status"].as_str()),
                (Some("offer.updated"), Some(status)),
                "{verb}"
            );
        }
    }
    assert!(ws_t.next(Duration::from_millis(300)).await.is_none(), "a third user hears nothing");
}

#[tokio::test]
async fn offer_posts_are_idempotent() {
    let app = TestApp::spawn().await;
    let (_, s, _) = app.user("sol").await;
    let (_, b, _) = app.user("bao").await;
    let listing = active_listing(&app, &s, "Replayed pedal", 5_000).await;
    let post = |path: String, token: String, key: &'static str, body: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&path))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .expect("sent")
        }
    };
    let make = json!({ "amount": { "amount": 4_000, "currency": "EUR" } });
    let path = format!("/api/v1/listings/{listing}/offers");
    let first = post(path.clone(), b.clone(), "offer-1", make.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = post(path.clone(), b.clone(), "offer-1", make.clone()).await;
    assert_eq!(again.status(), 201, "the stored answer, not offer_exists");
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM offers").await, 1, "made once");
    let reused = post(path, b.clone(), "offer-1", json!({ "amount": { "amount": 4_100, "currency": "EUR" } })).await;
    assert_eq!(reused.status(), 422);
    assert_eq!(reused.json::<Value>().await.expect("json")["code"], "idempotency_key_reused");

    let id = first["id"].as_str().expect("id").to_owned();
    let accept = format!("/api/v1/offers/{id}/accept");
    let one = post(accept.clone(), s.clone(), "accept-1", json!({})).await;
    assert_eq!(one.status(), 200);
    let two = post(accept.clone(), s.clone(), "accept-1", json!({})).await;
    assert_eq!((two.status().as_u16(), two.headers().get("idempotency-replayed").is_some()), (200, true));
    let without = app.post_json(&accept, &json!({}), Some(&s)).await;
    assert_eq!(without.status(), 409, "without the key it runs again and meets the state machine");
    assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM offer_events WHERE offer_id = '{id}'")).await, 2);
    let counter = format!("/api/v1/offers/{id}/confirm");
    assert_eq!(post(counter.clone(), b.clone(), "confirm-1", json!({})).await.status(), 200);
    assert_eq!(post(counter, b, "confirm-1", json!({})).await.status(), 200, "replayed, not already_confirmed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_expiring_side_by_side_expire_each_offer_once() {
    use crate::support::TestDb;
    use crate::support::app::test_config;
    let db = TestDb::new().await;
    let vars = [
        ("VEZA__OFFERS__EXPIRY_SECS", "1"),
        ("VEZA__OFFERS__EXPIRY_CHECK_MS", "50"),
        ("VEZA__OFFERS__EXPIRY_BATCH", "3"),
    ];
    let (c1, c2) = (test_config(&db.url, &vars), test_config(&db.url, &vars));
    let shared = db.share();
    let n1 = TestApp::start(c1, db).await;
    let n2 = TestApp::start(c2, shared).await;
    let (_, s, _) = n1.user("twin_seller").await;
    let mut buyers = Vec::new();
    for i in 0..3 {
        buyers.push(n2.user(&format!("twin_buyer{i}")).await.1);
    }
    for l in 0..8 {
        let listing = active_listing(&n1, &s, &format!("Twin listing {l}"), 10_000).await;
        for (i, b) in buyers.iter().enumerate() {
            let node = if i % 2 == 0 { &n1 } else { &n2 };
            assert_eq!(offer(node, b, &listing, 9_000).await.0, 201);
        }
    }
    eventually(Duration::from_secs(15), "every offer expired", || async {
        (count(&n1, "SELECT count(*) AS n FROM offers WHERE status <> 'expired'").await == 0).then_some(())
    })
    .await;
    assert_eq!(count(&n1, "SELECT count(*) AS n FROM offer_events WHERE action = 'expired'").await, 24);
    let twice = "SELECT count(*) AS n FROM (SELECT offer_id FROM offer_events WHERE action = 'expired' \
                 GROUP BY offer_id HAVING count(*) > 1) d";
    assert_eq!(count(&n1, twice).await, 0, "no offer expired twice");
    let activity = count(&n1, "SELECT count(*) AS n FROM activity WHERE kind = 'offer.expired'").await;
    assert_eq!(activity, 48, "one line for each party of each offer");
}

#[tokio::test]
async fn the_runtime_setting_overrides_the_configured_answer_time() {
    let app = TestApp::spawn().await;
    let (_, s, _) = app.user("set_seller").await;
    let (_, b, _) = app.user("set_buyer").await;
    let l1 = active_listing(&app, &s, "Default time", 10_000).await;
    let (_, o) = offer(&app, &b, &l1, 9_000).await;
    let created = chrono::DateTime::parse_from_rfc3339(o["created_at"].as_str().expect("created_at")).expect("time");
    let expires = chrono::DateTime::parse_from_rfc3339(o["expires_at"].as_str().expect("expires_at")).expect("time");
    let hours = (expires - created).num_minutes() as f64 / 60.0;
    assert!((hours - 72.0).abs() < 0.1, "72 h by default, got {hours}");

    // Through the settings, as the admin config writes it (a new version); the node has it.
    let state = app.handle.state().clone();
    let mut conn = app.db.conn().await;
    state.settings.set(&mut conn, veza::settings::OFFER_EXPIRY, serde_json::json!(1), None).await.expect("setting");
    eventually(Duration::from_secs(5), "the setting reached the node", || async {
        app.handle.state().settings.get("offers.expiry_secs").map(|_| ())
    })
    .await;
    let l2 = active_listing(&app, &s, "Short time", 10_000).await;
    let (_, o) = offer(&app, &b, &l2, 9_000).await;
    let id = o["id"].as_str().expect("id").to_owned();
    eventually(Duration::from_secs(10), "expired after about a second", || async {
        (get_offer(&app, &b, &id).await.1["status"] == "expired").then_some(())
    })
    .await;
}
