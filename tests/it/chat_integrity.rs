//! The message table keeps its integrity without per-row foreign keys: the writer locks a
//! batch's rooms and authors and refuses the messages of gone ones, and deleting a room or a
//! user deletes their messages.

use crate::support::TestApp;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use veza::chat::batch;
use veza_actors::ports::NewMessage;
use veza_actors::protocol::UserRef;
use veza_core::{RoomId, UserId};

async fn count(app: &TestApp, filter: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = format!("SELECT count(*) AS n FROM messages WHERE {filter}");
    let rows: Vec<N> = diesel::sql_query(sql).load(&mut app.db.conn().await).await.expect("count");
    rows.iter().map(|r| r.n).next().unwrap_or(-1)
}

async fn exec(app: &TestApp, sql: &str) {
    diesel::sql_query(sql).execute(&mut app.db.conn().await).await.expect(sql);
}

#[tokio::test]
async fn deleting_a_user_or_a_room_deletes_their_messages() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("keeper").await;
    let (b_id, b, _) = app.user("leaver").await;
    let res = app.post_json("/api/v1/rooms", &json!({ "name": "Kept", "visibility": "public" }), Some(&a)).await;
    let r = res.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    for (token, body) in [(&a, "one"), (&a, "two"), (&b, "three")] {
        if token == &b {
            assert_eq!(app.post_json(&format!("/api/v1/rooms/{r}/join"), &json!({}), Some(&b)).await.status(), 200);
        }
        let res = app.post_json(&format!("/api/v1/rooms/{r}/messages"), &json!({ "body": body }), Some(token)).await;
        assert_eq!(res.status(), 201, "{body}");
    }
    assert_eq!(count(&app, &format!("room_id = '{r}'")).await, 3);

    exec(&app, &format!("DELETE FROM users WHERE id = '{b_id}'")).await;
    assert_eq!(count(&app, &format!("author_id = '{b_id}'")).await, 0, "the user's messages went with them");
    assert_eq!(count(&app, &format!("author_id = '{a_id}'")).await, 2, "nobody else's did");

    exec(&app, &format!("DELETE FROM rooms WHERE id = '{r}'")).await;
    assert_eq!(count(&app, &format!("room_id = '{r}'")).await, 0, "the room's messages went with it");
}

#[tokio::test]
async fn a_message_whose_author_or_room_is_gone_is_refused_and_the_rest_of_its_batch_stored() {
    let app = TestApp::spawn().await;
    let (a_id, a, _) = app.user("writer").await;
    let res = app.post_json("/api/v1/rooms", &json!({ "name": "Solid", "visibility": "public" }), Some(&a)).await;
    let r: RoomId = res.json::<Value>().await.expect("json")["id"].as_str().expect("id").parse().expect("uuid");
    let author = UserRef { id: a_id.parse().expect("uuid"), username: "writer".into() };
    let ghost = UserRef { id: UserId::new_v7(), username: "ghost".into() };
    let msg = |room: RoomId, author: &UserRef, c: &str| NewMessage {
        room,
        author: author.clone(),
        body: "b".into(),
        client_id: c.into(),
    };
    let mut conn = app.db.conn().await;

    let batch =
        [msg(r, &author, "c1"), msg(r, &ghost, "c2"), msg(RoomId::new_v7(), &author, "c3"), msg(r, &author, "c4")];
    let stored = batch::insert_batch(&mut conn, &batch).await.expect("the batch commits");
    let seqs: Vec<Option<i64>> = stored.iter().map(|m| m.as_ref().map(|m| m.seq.get())).collect();
    assert_eq!(seqs, [Some(1), None, None, Some(2)], "unknown author and unknown room refused; no seq skipped");
    assert_eq!(count(&app, &format!("room_id = '{r}'")).await, 2);
    assert_eq!(count(&app, &format!("author_id = '{}'", ghost.id)).await, 0, "nothing stored for a ghost");
}
