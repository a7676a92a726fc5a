//! The search change log: triggers write it in the writer's transaction; the tail reads it by
//! transaction id up to the snapshot horizon, so changes that commit late with lower ids are
//! neither skipped nor read twice, and rolled-back writes never appear. Then the documents the
//! index is built from, with who may see them.

use crate::support::db::TestDb;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use uuid::Uuid;
use veza::search::changes::{Change, Kind, Tail};

const WRITERS: usize = 8;
const PER_WRITER: usize = 25;

/// One writer: rooms inserted in transactions held open a varying while (so later ones commit
/// first), every fifth rolled back. Returns the rooms that committed.
async fn writer(db: &TestDb, seed: u64) -> Vec<Uuid> {
    let mut conn = db.conn().await;
    let mut committed = Vec::new();
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    for i in 0..PER_WRITER {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let id = Uuid::now_v7();
        conn.batch_execute(&format!("BEGIN; INSERT INTO rooms (id, name, visibility) VALUES ('{id}', 'r', 'public')"))
            .await
            .unwrap_or_else(|e| panic!("insert: {e}"));
        tokio::time::sleep(Duration::from_millis((x >> 33) % 40)).await;
        let end = if i % 5 == 4 { "ROLLBACK" } else { "COMMIT" };
        conn.batch_execute(end).await.unwrap_or_else(|e| panic!("{end}: {e}"));
        if end == "COMMIT" {
            committed.push(id);
        }
    }
    committed
}

/// The change ids committed now, ascending.
async fn visible_ids(conn: &mut AsyncPgConnection) -> Vec<i64> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let rows: Vec<Id> =
        diesel_async::RunQueryDsl::load(diesel::sql_query("SELECT id FROM search_changes ORDER BY id"), conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    rows.into_iter().map(|r| r.id).collect()
}

async fn drain(tail: &mut Tail, conn: &mut AsyncPgConnection, seen: &mut Vec<(i64, Uuid)>) -> usize {
    let mut n = 0;
    loop {
        let batch = tail.next(conn, 7).await.unwrap_or_else(|e| panic!("tail: {e}"));
        if batch.is_empty() {
            return n;
        }
        for c in batch {
            seen.push((c.id, c.entity));
            n += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_tail_misses_no_late_commit_and_reads_each_change_once() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let start = veza::search::changes::horizon(&mut conn).await.unwrap_or_else(|e| panic!("{e}"));
    let mut tail = Tail::from(start);
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let db = db.share();
            tokio::spawn(async move { writer(&db, w as u64 + 1).await })
        })
        .collect();
    // Tail while the writers write, in small batches, the way the indexer does.
    // Each time, also what a naive tail (by id) would see: the ids committed so far.
    let (mut seen, mut views) = (Vec::new(), Vec::new());
    while !writers.iter().all(|w| w.is_finished()) {
        views.push(visible_ids(&mut conn).await);
        drain(&mut tail, &mut conn, &mut seen).await;
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let mut committed = HashSet::new();
    for w in writers {
        committed.extend(w.await.unwrap_or_else(|e| panic!("{e}")));
    }
    let past = marker(&mut conn).await;
    seen.extend(caught_up(&mut tail, &mut conn, past).await.into_iter().map(|c| (c.id, c.entity)));

    let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a change was read twice");
    let entities: HashSet<Uuid> = seen.iter().map(|(_, e)| *e).collect();
    assert_eq!(entities, committed, "every committed write, and no rolled-back one");
    assert_eq!(committed.len(), WRITERS * PER_WRITER * 4 / 5);
    // The case the horizon exists for happened: a change committed after one with a higher id
    // was already visible, so a tail that kept the highest id read would have skipped it.
    let late =
        ids.iter().filter(|id| views.iter().any(|v| v.last().is_some_and(|max| *id < max) && !v.contains(id))).count();
    assert!(late > 0, "no change committed out of id order; the test did not exercise the tail");
    assert!(tail.done_below() > start);
}

/// A fresh transaction id: greater than every write made before it.
async fn marker(conn: &mut AsyncPgConnection) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Xid {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xid: i64,
    }
    let x: Xid = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT pg_current_xact_id()::text::bigint AS xid"),
        conn,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    x.xid
}

/// Every change up to `past`: the horizon is cluster-wide, so a transaction open in another
/// test's database can hold it back a moment.
async fn caught_up(tail: &mut Tail, conn: &mut AsyncPgConnection, past: i64) -> Vec<Change> {
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let batch = tail.next(conn, 100).await.unwrap_or_else(|e| panic!("{e}"));
        if batch.is_empty() {
            if tail.done_below() > past {
                return out;
            }
            assert!(std::time::Instant::now() < deadline, "the horizon stayed below {past}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        out.extend(batch);
    }
}

#[tokio::test]
async fn only_what_search_shows_is_logged() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let (user, room) = (Uuid::now_v7(), Uuid::now_v7());
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, username) VALUES ('{user}', 'a@example.com', 'ann');
         INSERT INTO rooms (id, name, visibility) VALUES ('{room}', 'jazz', 'public');
         INSERT INTO room_members (room_id, user_id) VALUES ('{room}', '{user}');"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut tail = Tail::from(0);
    let past = marker(&mut conn).await;
    let first = caught_up(&mut tail, &mut conn, past).await;
    assert_eq!(first.len(), 3, "{first:?}");
    // Not logged: preferences, read markers, a room's message counter.
    conn.batch_execute(&format!(
        "UPDATE users SET preferences = '{{\"theme\": \"dark\"}}' WHERE id = '{user}';
         UPDATE room_members SET last_read_seq = 5 WHERE room_id = '{room}';
         UPDATE rooms SET last_seq = 5 WHERE id = '{room}';"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let past = marker(&mut conn).await;
    let seen = caught_up(&mut tail, &mut conn, past).await;
    assert!(seen.is_empty(), "logged what search does not show: {seen:?}");
    // Logged: a profile field, a room's topic, a member leaving (the room's members changed).
    conn.batch_execute(&format!(
        "UPDATE users SET bio = 'hi' WHERE id = '{user}';
         UPDATE rooms SET topic = 'bebop' WHERE id = '{room}';
         DELETE FROM room_members WHERE room_id = '{room}';"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let past = marker(&mut conn).await;
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for c in caught_up(&mut tail, &mut conn, past).await {
        *counts.entry(c.entity).or_default() += 1;
        assert!(matches!((c.kind, c.entity == user), (Kind::User, true) | (Kind::Room, false)), "{c:?}");
    }
    assert_eq!(counts.get(&user), Some(&1));
    assert_eq!(counts.get(&room), Some(&2));
}

#[tokio::test]
async fn documents_carry_who_may_see_them() {
    use veza::search::model::Access;
    use veza::search::repo;
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let (ann, bob, eve) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (draft, active, hidden) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (open, closed, dm) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (low, high) = if ann < bob { (ann, bob) } else { (bob, ann) };
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, username, display_name, bio) VALUES
           ('{ann}', 'ann@example.com', 'ann', 'Ann Café', 'modular synths'),
           ('{bob}', 'bob@example.com', 'bob', NULL, NULL),
           ('{eve}', 'eve@example.com', 'eve', NULL, NULL);
         UPDATE users SET status = 'suspended' WHERE id = '{eve}';
         INSERT INTO listings (id, seller_id, title, description, price_amount, currency, category_id, tags, condition, status)
           SELECT x.id, x.seller, x.title, 'desc', 1000, 'EUR', c.id, '{{vintage}}', 'used', x.status
           FROM (VALUES ('{draft}'::uuid, '{ann}'::uuid, 'Draft synth', 'draft'),
                        ('{active}'::uuid, '{ann}'::uuid, 'Juno 60', 'active'),
                        ('{hidden}'::uuid, '{eve}'::uuid, 'Eve''s drum', 'active')) AS x (id, seller, title, status),
                (SELECT id FROM categories ORDER BY slug LIMIT 1) AS c;
         INSERT INTO rooms (id, name, topic, visibility) VALUES ('{open}', 'Jazz', 'bebop', 'public'), ('{closed}', 'Secret', NULL, 'private');
         INSERT INTO rooms (id, name, visibility, is_direct, dm_low, dm_high) VALUES ('{dm}', 'dm', 'private', true, '{low}', '{high}');
         INSERT INTO room_members (room_id, user_id) VALUES ('{open}', '{ann}'), ('{open}', '{bob}'), ('{closed}', '{bob}');"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    let listings =
        repo::load(&mut conn, Kind::Listing, &[draft, active, hidden]).await.unwrap_or_else(|e| panic!("{e}"));
    let by_id: HashMap<Uuid, _> = listings.into_iter().map(|d| (d.id, d)).collect();
    assert_eq!(by_id.len(), 2, "a suspended seller's listing is not searchable");
    assert_eq!(by_id[&draft].access, Access::Only(vec![ann]), "a draft is its seller's");
    assert_eq!(by_id[&active].access, Access::Everyone);
    let facets = by_id[&active].listing.clone().unwrap_or_else(|| panic!("facets"));
    assert_eq!(
        (facets.status.as_str(), facets.price, facets.tags.clone()),
        ("active", 1000, vec!["vintage".to_string()])
    );

    let users = repo::load(&mut conn, Kind::User, &[ann, bob, eve]).await.unwrap_or_else(|e| panic!("{e}"));
    let ann_doc = users.iter().find(|d| d.id == ann).unwrap_or_else(|| panic!("ann"));
    assert_eq!((ann_doc.title.as_str(), ann_doc.body.as_str()), ("ann Ann Café", "modular synths"));
    assert_eq!(users.len(), 2, "a suspended user is not searchable");

    let rooms = repo::load(&mut conn, Kind::Room, &[open, closed, dm]).await.unwrap_or_else(|e| panic!("{e}"));
    let by_id: HashMap<Uuid, _> = rooms.into_iter().map(|d| (d.id, d)).collect();
    assert_eq!(by_id.len(), 2, "a direct room is never searchable");
    assert_eq!((by_id[&open].access.clone(), by_id[&open].popularity), (Access::Everyone, 2.0));
    assert_eq!(by_id[&closed].access, Access::Only(vec![bob]), "a private room is its members'");

    let mut owned = repo::owned_by(&mut conn, &[eve]).await.unwrap_or_else(|e| panic!("{e}"));
    owned.sort_by_key(|(_, id)| *id);
    assert_eq!(owned, vec![(Kind::Listing, hidden)]);
}

/// The keys of documents whose `title` holds `word`, as `who` may see them.
fn titles(store: &veza::search::index::SearchStore, word: &str, who: Option<Uuid>) -> Vec<String> {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, Value};
    use tantivy::{TantivyDocument, Term};
    let f = &store.fields;
    let mut access: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Should,
        Box::new(TermQuery::new(Term::from_field_text(f.access, "public"), IndexRecordOption::Basic)),
    )];
    if let Some(u) = who {
        let term = Term::from_field_text(f.access, &veza::search::documents::access_term(u));
        access.push((Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
    }
    let q = BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(TermQuery::new(Term::from_field_text(f.title, word), IndexRecordOption::Basic)) as Box<dyn Query>,
        ),
        (Occur::Must, Box::new(BooleanQuery::new(access))),
    ]);
    let searcher = store.searcher();
    let hits = searcher.search(&q, &TopDocs::with_limit(100).order_by_score()).unwrap_or_else(|e| panic!("{e}"));
    let mut keys: Vec<String> = hits
        .into_iter()
        .filter_map(|(_, addr)| {
            let doc: TantivyDocument = searcher.doc(addr).ok()?;
            doc.get_first(f.key).and_then(|v| v.as_str()).map(str::to_owned)
        })
        .collect();
    keys.sort();
    keys
}

/// Catches the feed up with every write made so far (the horizon may lag a moment).
async fn follow(feed: &mut veza::search::feed::Feed, conn: &mut AsyncPgConnection) {
    let past = marker(conn).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while feed.done_below() <= past {
        assert!(std::time::Instant::now() < deadline, "the feed stayed below {past}");
        feed.catch_up(conn).await.unwrap_or_else(|e| panic!("{e}"));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn the_feed_builds_then_follows_the_log() {
    use veza::search::feed::Feed;
    use veza::search::index::{Opened, SearchStore};
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let dir = std::env::temp_dir().join(format!("veza-feed-{}", Uuid::now_v7()));
    let database = Uuid::now_v7();
    let (ann, bob, early, late) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, username) VALUES ('{ann}', 'ann@example.com', 'ann'), ('{bob}', 'bob@example.com', 'bob');
         INSERT INTO rooms (id, name, visibility) VALUES ('{early}', 'Modular jam', 'public');"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    let (store, opened) = SearchStore::open(&dir, database).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(opened, Opened::Empty);
    let writer = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
    let mut feed = Feed::new(store.clone(), writer, database, veza::search::index::Mark::default(), Default::default());
    let built = feed.build(&mut conn).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(built, 3, "two users and a room");
    assert_eq!(titles(&store, "modular", None), [format!("room:{early}")]);

    // A private room: its members only; then it opens, then a member leaves, then it goes.
    conn.batch_execute(&format!(
        "INSERT INTO rooms (id, name, visibility) VALUES ('{late}', 'Modular secrets', 'private');
         INSERT INTO room_members (room_id, user_id) VALUES ('{late}', '{bob}');"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    follow(&mut feed, &mut conn).await;
    assert_eq!(titles(&store, "modular", None), [format!("room:{early}")]);
    assert_eq!(titles(&store, "modular", Some(ann)), [format!("room:{early}")]);
    let mut both = vec![format!("room:{early}"), format!("room:{late}")];
    both.sort();
    assert_eq!(titles(&store, "secrets", Some(bob)), [format!("room:{late}")]);
    assert_eq!(titles(&store, "modular", Some(bob)), both);

    // Read-your-writes: applied at once by id, before the log gets there.
    conn.batch_execute(&format!("UPDATE rooms SET name = 'Ambient secrets' WHERE id = '{late}'"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    feed.refresh(&mut conn, &[(Kind::Room, late)]).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&store, "ambient", Some(bob)), [format!("room:{late}")]);
    assert!(titles(&store, "modular", Some(bob)).len() == 1);

    // A suspended user leaves search; a deleted room too.
    conn.batch_execute(&format!(
        "UPDATE users SET status = 'suspended' WHERE id = '{ann}'; DELETE FROM rooms WHERE id = '{late}';"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    follow(&mut feed, &mut conn).await;
    assert!(titles(&store, "ambient", Some(bob)).is_empty());
    assert!(titles(&store, "ann", None).is_empty());
    assert_eq!(titles(&store, "bob", None), [format!("user:{bob}")]);

    // Reopened: current, at the watermark it committed.
    let done = feed.done_below();
    drop((feed, store));
    let (_, opened) = SearchStore::open(&dir, database).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(opened, Opened::Current(veza::search::index::Mark { done_below: done, rebuilt_for: 0 }));
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_web::test]
async fn a_node_builds_its_index_and_follows_writes() {
    use crate::support::app::{TestApp, eventually};
    use serde_json::json;
    let app = TestApp::spawn().await;
    app.search_state("ready").await;
    let (_, token, _) = app.user("ann").await;
    eventually(Duration::from_secs(10), "the user indexed", || async {
        (app.metric("veza_search_documents").await? == 1.0).then_some(())
    })
    .await;
    let room =
        app.post_json("/api/v1/rooms", &json!({ "name": "Modular jam", "visibility": "public" }), Some(&token)).await;
    assert_eq!(room.status(), 201);
    // The user and the room (the node's own writes come through the log here: no refresh yet).
    eventually(Duration::from_secs(10), "two documents indexed", || async {
        (app.metric("veza_search_documents").await? == 2.0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn pruning_drops_old_changes_and_raises_the_rebuild_line() {
    use veza::search::changes::prune;
    use veza::search::indexer::meta;
    // Below this, the log has been pruned.
    async fn pruned_below(conn: &mut AsyncPgConnection) -> Result<i64, String> {
        meta(conn).await.map(|m| m.pruned_below).map_err(|e| e.to_string())
    }
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let (old, new) = (Uuid::now_v7(), Uuid::now_v7());
    conn.batch_execute(&format!("INSERT INTO rooms (id, name, visibility) VALUES ('{old}', 'old', 'public')"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    conn.batch_execute(&format!(
        "UPDATE search_changes SET created_at = now() - interval '3 hours' WHERE entity_id = '{old}';
         INSERT INTO rooms (id, name, visibility) VALUES ('{new}', 'new', 'public');"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pruned_below(&mut conn).await.unwrap_or_else(|e| panic!("{e}")), 0);
    assert_eq!(prune(&mut conn, 7200).await.unwrap_or_else(|e| panic!("{e}")), 1, "the 3-hour-old change only");
    let line = pruned_below(&mut conn).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(line > 0);
    // What is left is after the line: a tail from it reads the new change and nothing else.
    let mut tail = Tail::from(line);
    let past = marker(&mut conn).await;
    let left = caught_up(&mut tail, &mut conn, past).await;
    assert_eq!(left.iter().map(|c| c.entity).collect::<Vec<_>>(), [new]);
    // Nothing old enough: nothing deleted, the line stays.
    assert_eq!(prune(&mut conn, 7200).await.unwrap_or_else(|e| panic!("{e}")), 0);
    assert_eq!(pruned_below(&mut conn).await.unwrap_or_else(|e| panic!("{e}")), line);
}
