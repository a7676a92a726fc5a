//! The chat writer's batch transaction: the only path that writes `messages`.

use super::repo::{MessageJoined, stored};
use crate::db::schema::{rooms, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::{BTreeMap, HashMap, HashSet};
use veza_actors::ports::{NewMessage, StoredMessage};
use veza_core::{MessageId, RoomId, Seq, UserId};

/// Messages already stored under any of these (room, author, client_id) keys: one index
/// probe per key (a filter on each column separately would scan whole rooms).
async fn already_stored(conn: &mut AsyncPgConnection, batch: &[NewMessage]) -> QueryResult<Vec<MessageJoined>> {
    let rooms: Vec<RoomId> = batch.iter().map(|m| m.room).collect();
    let authors: Vec<UserId> = batch.iter().map(|m| m.author.id).collect();
    let client_ids: Vec<&str> = batch.iter().map(|m| m.client_id.as_str()).collect();
    diesel::sql_query(
        "SELECT m.id, m.room_id, m.seq, m.author_id, u.username, m.client_id, m.body, m.created_at \
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS k(room_id, author_id, client_id) \
         JOIN messages m ON m.room_id = k.room_id AND m.author_id = k.author_id AND m.client_id = k.client_id \
         JOIN users u ON u.id = m.author_id",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(rooms)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(authors)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(client_ids)
    .load(conn)
    .await
}

/// One row of a batch insert, before it is sent as columns.
struct MessageInsert<'a> {
    room_id: RoomId,
    seq: Seq,
    author_id: UserId,
    client_id: &'a str,
    body: &'a str,
}

/// What the batch insert returns per row.
#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: MessageId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    room_id: RoomId,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: Seq,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
}

/// Inserts rows as five arrays through `unnest`: one statement text whatever the batch size,
/// so PostgreSQL parses and plans it once per connection instead of a 5,000-parameter VALUES
/// list per batch.
async fn insert_rows(conn: &mut AsyncPgConnection, rows: &[&MessageInsert<'_>]) -> QueryResult<Vec<Inserted>> {
    use diesel::sql_types::{Array, BigInt, Text, Uuid as SqlUuid};
    let rooms: Vec<RoomId> = rows.iter().map(|r| r.room_id).collect();
    let seqs: Vec<Seq> = rows.iter().map(|r| r.seq).collect();
    let authors: Vec<UserId> = rows.iter().map(|r| r.author_id).collect();
    let client_ids: Vec<&str> = rows.iter().map(|r| r.client_id).collect();
    let bodies: Vec<&str> = rows.iter().map(|r| r.body).collect();
    diesel::sql_query(
        "INSERT INTO messages (room_id, seq, author_id, client_id, body) \
         SELECT * FROM unnest($1::uuid[], $2::int8[], $3::uuid[], $4::text[], $5::text[]) \
         RETURNING id, room_id, seq, created_at",
    )
    .bind::<Array<SqlUuid>, _>(rooms)
    .bind::<Array<BigInt>, _>(seqs)
    .bind::<Array<SqlUuid>, _>(authors)
    .bind::<Array<Text>, _>(client_ids)
    .bind::<Array<Text>, _>(bodies)
    .load(conn)
    .await
}

/// One transaction for a batch: rooms locked in id order, retried sends answered with their
/// original, fresh ones numbered after the room's `last_seq` and inserted in one statement.
/// A message whose room or author no longer exists answers `None`; the rest are stored (one
/// gone room must not fail every room sharing its writer).
pub async fn insert_batch(
    conn: &mut AsyncPgConnection,
    batch: &[NewMessage],
) -> QueryResult<Vec<Option<StoredMessage>>> {
    conn.transaction(async |conn| {
        let mut by_room: BTreeMap<RoomId, Vec<usize>> = BTreeMap::new();
        for (i, m) in batch.iter().enumerate() {
            by_room.entry(m.room).or_default().push(i);
        }
        let mut results: Vec<Option<StoredMessage>> = vec![None; batch.len()];
        let mut inserts: Vec<(usize, MessageInsert<'_>)> = Vec::new();
        // A constant number of statements per batch, whatever its rooms: a round trip per room
        // made every lock last longer, and batches queue on the room locks.
        let room_ids: Vec<RoomId> = by_room.keys().copied().collect();
        // The lock that makes seq order commit order, across every node: every room of the
        // batch in one statement, taken in id order so two batches cannot deadlock.
        let last_of: HashMap<RoomId, Seq> = rooms::table
            .filter(rooms::id.eq_any(&room_ids))
            .order(rooms::id)
            .select((rooms::id, rooms::last_seq))
            .for_update()
            .load::<(RoomId, Seq)>(conn)
            .await?
            .into_iter()
            .collect();
        // What the foreign keys' per-row checks took, once per batch: no author can be
        // deleted under a message being written (the delete trigger would miss it). A room
        // or author that is gone refuses its messages only.
        let mut authors: Vec<UserId> = batch.iter().map(|m| m.author.id).collect();
        authors.sort_unstable();
        authors.dedup();
        let present: HashSet<UserId> = users::table
            .filter(users::id.eq_any(&authors))
            .select(users::id)
            .for_key_share()
            .load::<UserId>(conn)
            .await?
            .into_iter()
            .collect();
        let refused: Vec<bool> =
            batch.iter().map(|m| !last_of.contains_key(&m.room) || !present.contains(&m.author.id)).collect();
        let originals: Vec<StoredMessage> =
            already_stored(conn, batch).await?.into_iter().map(|m| stored(m, true)).collect();
        let known: HashMap<(RoomId, UserId, &str), &StoredMessage> =
            originals.iter().map(|m| ((m.room, m.author.id, m.client_id.as_str()), m)).collect();
        let (mut moved_rooms, mut moved_to): (Vec<RoomId>, Vec<Seq>) = (Vec::new(), Vec::new());
        for (room, idxs) in &by_room {
            let Some(&last) = last_of.get(room) else { continue };
            let mut next = last;
            let mut first_in_batch: HashMap<(UserId, &str), usize> = HashMap::new();
            for &i in idxs {
                let m = &batch[i];
                if refused[i] {
                    continue;
                }
                if let Some(orig) = known.get(&(*room, m.author.id, m.client_id.as_str())) {
                    results[i] = Some((*orig).clone());
                    continue;
                }
                if first_in_batch.contains_key(&(m.author.id, m.client_id.as_str())) {
                    continue; // same send twice in one batch: answered below from the first
                }
                first_in_batch.insert((m.author.id, m.client_id.as_str()), i);
                next += 1;
                inserts.push((
                    i,
                    MessageInsert {
                        room_id: *room,
                        seq: next,
                        author_id: m.author.id,
                        client_id: &m.client_id,
                        body: &m.body,
                    },
                ));
            }
            if next != last {
                moved_rooms.push(*room);
                moved_to.push(next);
            }
        }
        if !moved_rooms.is_empty() {
            diesel::sql_query(
                "UPDATE rooms SET last_seq = v.seq FROM unnest($1::uuid[], $2::int8[]) AS v(id, seq) WHERE rooms.id = v.id",
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&moved_rooms)
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&moved_to)
            .execute(conn)
            .await?;
        }
        if !inserts.is_empty() {
            let values: Vec<&MessageInsert<'_>> = inserts.iter().map(|(_, v)| v).collect();
            let rows = insert_rows(conn, &values).await?;
            let by_slot: HashMap<(RoomId, Seq), (MessageId, DateTime<Utc>)> =
                rows.into_iter().map(|r| ((r.room_id, r.seq), (r.id, r.created_at))).collect();
            for (i, ins) in &inserts {
                let m = &batch[*i];
                if let Some((id, at)) = by_slot.get(&(ins.room_id, ins.seq)) {
                    results[*i] = Some(StoredMessage {
                        id: *id,
                        room: m.room,
                        seq: ins.seq,
                        author: m.author.clone(),
                        body: Some(m.body.clone()),
                        client_id: m.client_id.clone(),
                        sent_at: *at,
                        duplicate: false,
                    });
                }
            }
        }
        // Repeats inside this batch get the first one's result, marked duplicate.
        for i in 0..batch.len() {
            if results[i].is_none() && !refused[i] {
                let m = &batch[i];
                let original = (0..batch.len()).filter(|&j| j != i).find_map(|j| {
                    results[j]
                        .clone()
                        .filter(|r| r.room == m.room && r.author.id == m.author.id && r.client_id == m.client_id)
                });
                results[i] = original.map(|r| StoredMessage { duplicate: true, ..r });
            }
        }
        // A message neither refused nor answered would be a bug here: fail the batch, store nothing.
        results
            .into_iter()
            .zip(refused)
            .map(|(r, refused)| match r {
                Some(m) => Ok(Some(m)),
                None if refused => Ok(None),
                None => Err(diesel::result::Error::NotFound),
            })
            .collect()
    })
    .await
}
