//! `GET /listings` from a node's search index and from PostgreSQL: the same answers.

use crate::listings::{fixture, ids};
use crate::market::*;
use crate::support::TestApp;
use crate::support::TestDb;
use crate::support::app::test_config;
use serde_json::Value;

async fn read(app: &TestApp, q: String, token: Option<String>) -> Value {
    let url = format!("/api/v1/listings?{q}");
    let res = match token {
        Some(t) => app.get_auth(&url, &t).await,
        None => app.get(&url).await,
    };
    let (status, v) = body(res).await;
    assert_eq!(status, 200, "{url}: {v}");
    v
}

/// The same listings read from a node's search index and from PostgreSQL (a node whose index
/// is down): every filter, sort, cursor and facet agrees.
#[tokio::test]
async fn the_index_and_postgresql_answer_listings_alike() {
    let db = TestDb::new().await;
    let shared = db.share();
    let indexed = TestApp::start(test_config(&db.url, &[("VEZA__NODE__ID", "indexed")]), db).await;
    let down = [("VEZA__NODE__ID", "postgres"), ("VEZA__SEARCH__DIR", "/dev/null/veza-search")];
    let plain = TestApp::start(test_config(&shared.url, &down), shared).await;
    indexed.search_state("ready").await;
    plain.search_state("down").await;
    let (shop, _, _) = fixture(&indexed).await;
    let queries = [
        "",
        "category=guitars",
        "category=electric-guitars&sort=price_asc",
        "tag=vintage",
        "tag=vintage,fender",
        "min_price=10000&max_price=200000&sort=price_desc",
        // Newest first by price alone: the index's per-segment shelves, not a walk.
        "min_price=10000&max_price=200000",
        "max_price=150000&sort=newest",
        "currency=USD",
        "condition=used&sort=newest",
        // A tag, a condition or a category with a price, newest first: the shelves narrowed.
        "tag=vintage&min_price=5000",
        "tag=vintage,fender&max_price=300000",
        "condition=used&min_price=10000",
        "category=guitars&tag=vintage&condition=used&min_price=1000",
        "category=electric-guitars&condition=new",
        "seller=pedalboard",
        "status=sold",
        "q=fender&sort=price_asc",
    ];
    for q in queries {
        let mut cursor = String::new();
        // Every page, two at a time, so cursors cross between the two kinds of answer.
        for page in 0.. {
            let url = format!("{q}&limit=2{cursor}");
            let (a, b) = (read(&indexed, url.clone(), None).await, read(&plain, url, None).await);
            assert_eq!(ids(&a), ids(&b), "{q} page {page}");
            assert_eq!(a["facets"], b["facets"], "{q} page {page}");
            match (a["next_cursor"].as_str(), b["next_cursor"].as_str()) {
                (Some(x), Some(y)) => {
                    assert_eq!(x, y, "keyset cursors are the same for both");
                    cursor = format!("&cursor={x}");
                }
                (None, None) => break,
                (x, y) => panic!("{q} page {page}: cursors {x:?} and {y:?}"),
            }
        }
    }
    // Drafts: their seller's only.
    let token = Some(shop);
    let (a, b) =
        (read(&indexed, "status=draft".into(), token.clone()).await, read(&plain, "status=draft".into(), token).await);
    assert_eq!((ids(&a).len(), ids(&a)), (1, ids(&b)));
    assert!(ids(&read(&indexed, "status=draft".into(), None).await).is_empty());
    // Relevance: the same listings; the index ranks (and forgives a typo) its own way.
    let mut x = ids(&read(&indexed, "q=fender".into(), None).await);
    let mut y = ids(&read(&plain, "q=fender".into(), None).await);
    x.sort();
    y.sort();
    assert_eq!(x, y);
    assert_eq!(ids(&read(&indexed, "q=stratocastr".into(), None).await).len(), 1, "the index forgives a typo");
}
