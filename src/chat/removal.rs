//! A message a moderator takes down (a report resolved with `remove_content`): soft-deleted in
//! the caller's transaction; once committed, every node's live room hears `message_deleted`
//! (`announce`, which an author's own deletion goes through too).

use super::repo::{self, RoomRow};
use super::runtime::Realtime;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use veza_actors::ports::StoredMessage;
use veza_actors::protocol::{ServerFrame, SharedFrame};
use veza_actors::room::Notify;
use veza_core::{MessageId, RoomId, Seq, UserId};

/// A message as `viewer` may see it, with its room: not deleted, in a public room or one they
/// are a member of (`None`: the system, which sees every room).
pub async fn visible(
    conn: &mut AsyncPgConnection,
    id: MessageId,
    viewer: Option<UserId>,
) -> QueryResult<Option<(RoomRow, StoredMessage)>> {
    let Some(msg) = repo::message_by_id(conn, id).await?.filter(|m| m.body.is_some()) else { return Ok(None) };
    let Some(room) = repo::room(conn, msg.room).await? else { return Ok(None) };
    let seen = match viewer {
        None => true,
        Some(_) if room.visibility == super::model::Visibility::Public && !room.is_direct => true,
        Some(v) => repo::member(conn, room.id, v).await?.is_some(),
    };
    Ok(seen.then_some((room, msg)))
}

/// A deletion to announce after the commit.
#[derive(Debug)]
pub struct Deletion {
    pub room: RoomId,
    pub id: MessageId,
    pub seq: Seq,
}

/// Deletes the message's body, by `by`; `None` when it is gone or deleted already.
pub async fn remove(conn: &mut AsyncPgConnection, id: MessageId, by: UserId) -> QueryResult<Option<Deletion>> {
    let Some(msg) = repo::message_by_id(conn, id).await? else { return Ok(None) };
    let deleted = repo::soft_delete(conn, msg.room, msg.id, by).await?;
    Ok(deleted.then_some(Deletion { room: msg.room, id: msg.id, seq: msg.seq }))
}

/// After the commit: the room's live members on every node see it go.
pub async fn announce(realtime: &Realtime, d: &Deletion) {
    if let Ok(addr) = realtime.rooms.get(d.room).await {
        let frame = SharedFrame::new(ServerFrame::MessageDeleted { room: d.room, id: d.id, seq: d.seq });
        addr.do_send(Notify { frame, except: None, publish: true });
    }
}
