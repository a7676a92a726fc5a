//! What search results show comes from rows kept beside the index (`search/view_cache.rs`):
//! every kind of write reaches them, through this node at once or through the change log.

use crate::market::patch;
use crate::search_api::{listing, names, ready_app, search, sql};
use crate::support::app::eventually;
use serde_json::json;
use std::time::Duration;

#[actix_web::test]
async fn shown_rows_follow_every_write() {
    // Results are shown from rows kept beside the index (view_cache.rs): a write through this
    // node drops them at once, a write the change log alone carries as soon as it is applied.
    let app = ready_app().await;
    let (ann_id, ann, _) = app.user("ann").await;
    let id = listing(&app, &ann, "Prophet 5 rev2", "Five voices", &[], true).await;
    for _ in 0..2 {
        let v = search(&app, None, "prophet", "&types=listing").await.1;
        assert_eq!(names(&v, "listings", "title"), ["Prophet 5 rev2"], "{v}");
    }
    let edit = json!({ "title": "Prophet 5 rev3", "description": "Six voices now" });
    let (status, v) = patch(&app, &ann, &format!("/api/v1/listings/{id}"), &edit).await;
    assert_eq!(status, 200, "{v}");
    let v = search(&app, None, "prophet", "&types=listing").await.1;
    assert_eq!(names(&v, "listings", "title"), ["Prophet 5 rev3"], "at once: {v}");
    assert_eq!(v["results"]["listings"][0]["description"], "Six voices now");

    // Her account reached the index through the change log (registering does not refresh it).
    eventually(Duration::from_secs(5), "ann's profile is searchable", || async {
        let v = search(&app, None, "ann", "&types=user").await.1;
        (names(&v, "users", "username") == ["ann"]).then_some(())
    })
    .await;
    let (status, v) = patch(&app, &ann, "/api/v1/users/me", &json!({ "bio": "Modular nights" })).await;
    assert_eq!(status, 200, "{v}");
    let v = search(&app, None, "ann", "&types=user").await.1;
    assert_eq!(v["results"]["users"][0]["bio"], "Modular nights", "{v}");

    // Behind the node's back: the log brings it.
    sql(&app, &format!("UPDATE listings SET price_amount = 4242 WHERE id = '{id}'")).await;
    eventually(Duration::from_secs(5), "the change log drops the kept row", || async {
        let v = search(&app, None, "prophet", "&types=listing").await.1;
        (v["results"]["listings"][0]["price"]["amount"] == 4242).then_some(())
    })
    .await;
    // A seller suspended: their listing goes with them.
    sql(&app, &format!("UPDATE users SET status = 'suspended' WHERE id = '{ann_id}'")).await;
    eventually(Duration::from_secs(5), "the suspension reaches what is shown", || async {
        let v = search(&app, None, "prophet", "&types=listing").await.1;
        names(&v, "listings", "title").is_empty().then_some(())
    })
    .await;
}
