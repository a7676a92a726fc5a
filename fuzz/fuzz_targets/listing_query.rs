//! The listing query compiler, end to end: any `GET /listings` query string is refused or
//! compiles to a statement whose `$n` placeholders are 1, 2, … in order, one per bound value;
//! never a panic. (The proptest in `src/listings/query.rs` is CI's net for the same path.)
#![no_main]

use actix_web::web::Query;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use uuid::Uuid;
use veza::categories::model::Category;
use veza::categories::tree::Tree;
use veza::listings::query::{ListingQuery, compile};
use veza::listings::search::page_sql;
use veza_core::UserId;

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let cat = |n: u128, parent: Option<u128>, slug: &str| Category {
            id: Uuid::from_u128(n),
            parent_id: parent.map(Uuid::from_u128),
            slug: slug.into(),
            name: slug.into(),
            position: n as i32,
        };
        Tree::new(vec![cat(1, None, "instruments"), cat(2, Some(1), "guitars"), cat(3, None, "vinyl")])
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let Ok(q) = Query::<ListingQuery>::from_query(raw) else { return };
    for viewer in [None, Some(UserId::from_u128(7))] {
        if let Ok(c) = compile(&q, viewer, tree()) {
            let sql = page_sql(&c.filter, c.sort, c.cursor, 21);
            assert_eq!(sql.placeholders(), (1..=sql.binds()).collect::<Vec<_>>(), "{}", sql.render());
        }
    }
});
