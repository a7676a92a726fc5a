//! Chat queries: rooms, members, messages (per-room `seq` under the room's row lock), markers.

use super::model::{RoomRole, Visibility};
use crate::auth::model::UserStatus;
use crate::db::schema::{messages, room_members, rooms, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use veza_actors::ports::{Membership, PostCheck, StoredMessage};
use veza_actors::protocol::UserRef;
use veza_core::{MessageId, RoomId, Seq, UserId};

/// A room row. Everything but `last_seq` never changes once created, so the row is cached
/// (`room_cache_key`); `last_seq` is read live (`counters`).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = rooms)]
pub struct RoomRow {
    pub id: RoomId,
    pub name: String,
    pub topic: Option<String>,
    pub visibility: Visibility,
    pub is_direct: bool,
    pub dm_low: Option<UserId>,
    pub dm_high: Option<UserId>,
    pub created_by: Option<UserId>,
    pub last_seq: Seq,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = room_members)]
pub struct MemberRow {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub role: RoomRole,
    pub joined_at: DateTime<Utc>,
    pub muted_until: Option<DateTime<Utc>>,
    pub last_read_seq: Seq,
}

pub async fn room(conn: &mut AsyncPgConnection, id: RoomId) -> QueryResult<Option<RoomRow>> {
    rooms::table.find(id).select(RoomRow::as_select()).first(conn).await.optional()
}

pub async fn member(conn: &mut AsyncPgConnection, room: RoomId, user: UserId) -> QueryResult<Option<MemberRow>> {
    room_members::table.find((room, user)).select(MemberRow::as_select()).first(conn).await.optional()
}

/// The other member of a direct room, as `user` sees it.
pub async fn direct_peer(conn: &mut AsyncPgConnection, room: RoomId, user: UserId) -> QueryResult<Option<UserRef>> {
    room_members::table
        .inner_join(users::table)
        .filter(room_members::room_id.eq(room))
        .filter(room_members::user_id.ne(user))
        .select((users::id, users::username))
        .first::<(UserId, String)>(conn)
        .await
        .optional()
        .map(|p| p.map(|(id, username)| UserRef { id, username }))
}

/// The read-cache key of a room's row.
pub fn room_cache_key(room: RoomId) -> String {
    format!("room:{room}")
}

/// What changes all the time: (last_seq, member count), in one query.
pub async fn counters(conn: &mut AsyncPgConnection, room: RoomId) -> QueryResult<(i64, i64)> {
    // Members whose account is active: a suspended, banned or deleted member is not counted.
    let members = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM room_members m JOIN users u ON u.id = m.user_id \
          WHERE m.room_id = rooms.id AND u.status = 'active')",
    );
    rooms::table.find(room).select((rooms::last_seq, members)).first(conn).await
}

/// A room as search shows it: its row, `(last_seq, members)`, and the viewer's role.
pub type RoomSummary = (RoomRow, i64, Option<RoomRole>);

/// Rooms by id that are not direct, with their member counts and `viewer`'s role in each.
pub async fn summaries(
    mut conn: &AsyncPgConnection,
    ids: &[Uuid],
    viewer: Option<UserId>,
) -> QueryResult<Vec<RoomSummary>> {
    let ids: Vec<RoomId> = ids.iter().map(|id| RoomId(*id)).collect();
    // Statements diesel can keep prepared (no SQL text of ours inside), sent together.
    let rows = rooms::table
        .filter(rooms::id.eq_any(&ids))
        .filter(rooms::is_direct.eq(false))
        .select(RoomRow::as_select())
        .load::<RoomRow>(&mut conn);
    let members = room_members::table
        .inner_join(users::table)
        .filter(room_members::room_id.eq_any(&ids))
        .filter(users::status.eq(UserStatus::Active))
        .group_by(room_members::room_id)
        .select((room_members::room_id, diesel::dsl::count_star()))
        .load::<(RoomId, i64)>(&mut conn);
    let roles = async {
        match viewer {
            Some(u) => {
                room_members::table
                    .filter(room_members::user_id.eq(u))
                    .filter(room_members::room_id.eq_any(&ids))
                    .select((room_members::room_id, room_members::role))
                    .load::<(RoomId, RoomRole)>(&mut conn)
                    .await
            }
            None => Ok(Vec::new()),
        }
    };
    let (rows, members, roles) = futures_util::try_join!(rows, members, roles)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = members.iter().find(|(id, _)| *id == r.id).map_or(0, |(_, n)| *n);
            let role = roles.iter().find(|(id, _)| *id == r.id).map(|(_, role)| *role);
            (r, n, role)
        })
        .collect())
}

/// Creates a room with its creator as owner.
pub async fn create_room(
    conn: &mut AsyncPgConnection,
    name: &str,
    topic: Option<&str>,
    visibility: Visibility,
    creator: UserId,
) -> QueryResult<RoomRow> {
    conn.transaction(async |conn| {
        let row = diesel::insert_into(rooms::table)
            .values((
                rooms::id.eq(Uuid::now_v7()),
                rooms::name.eq(name),
                rooms::topic.eq(topic),
                rooms::visibility.eq(visibility),
                rooms::created_by.eq(creator),
            ))
            .returning(RoomRow::as_returning())
            .get_result(conn)
            .await?;
        add_member(conn, row.id, creator, RoomRole::Owner).await?;
        Ok(row)
    })
    .await
}

/// Adds a member (no-op when already one); true when added.
pub async fn add_member(conn: &mut AsyncPgConnection, room: RoomId, user: UserId, role: RoomRole) -> QueryResult<bool> {
    let n = diesel::insert_into(room_members::table)
        .values((room_members::room_id.eq(room), room_members::user_id.eq(user), room_members::role.eq(role)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn remove_member(conn: &mut AsyncPgConnection, room: RoomId, user: UserId) -> QueryResult<bool> {
    Ok(diesel::delete(room_members::table.find((room, user))).execute(conn).await? == 1)
}

/// Leaving: the membership goes; an owner who leaves hands the room to its longest-standing
/// moderator, else its longest-standing member, so a room with members always has an owner.
/// `None` when `user` was not a member; otherwise the new owner, if ownership moved.
/// Locks the room's row for the transaction (membership changes take it, so an heir cannot
/// leave or be removed between being chosen and being promoted); false when there is none.
pub async fn lock_room(conn: &mut AsyncPgConnection, room: RoomId) -> QueryResult<bool> {
    let locked: Option<RoomId> = rooms::table.find(room).select(rooms::id).for_update().first(conn).await.optional()?;
    Ok(locked.is_some())
}

pub async fn leave(conn: &mut AsyncPgConnection, room: RoomId, user: UserId) -> QueryResult<Option<Option<UserId>>> {
    conn.transaction(async |conn| {
        if !lock_room(conn, room).await? {
            return Ok(None);
        }
        let role: Option<String> = diesel::delete(room_members::table.find((room, user)))
            .returning(room_members::role)
            .get_result(conn)
            .await
            .optional()?;
        let Some(role) = role else { return Ok(None) };
        if RoomRole::parse(&role) != Some(RoomRole::Owner) {
            return Ok(Some(None));
        }
        let heir: Option<UserId> = room_members::table
            .filter(room_members::room_id.eq(room))
            .order((
                room_members::role.eq(RoomRole::Moderator.as_str()).desc(),
                room_members::joined_at,
                room_members::user_id,
            ))
            .select(room_members::user_id)
            .first(conn)
            .await
            .optional()?;
        if let Some(heir) = heir {
            diesel::update(room_members::table.find((room, heir)))
                .set(room_members::role.eq(RoomRole::Owner.as_str()))
                .execute(conn)
                .await?;
        }
        Ok(Some(heir))
    })
    .await
}

pub async fn set_mute(
    conn: &mut AsyncPgConnection,
    room: RoomId,
    user: UserId,
    until: Option<DateTime<Utc>>,
) -> QueryResult<bool> {
    let n = diesel::update(room_members::table.find((room, user)))
        .set(room_members::muted_until.eq(until))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// The direct room of a pair, created if missing (one per pair, enforced by a unique index).
pub async fn direct_room(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<(RoomRow, bool)> {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    let find = async |conn: &mut AsyncPgConnection| {
        rooms::table
            .filter(rooms::is_direct.eq(true))
            .filter(rooms::dm_low.eq(low))
            .filter(rooms::dm_high.eq(high))
            .select(RoomRow::as_select())
            .first(conn)
            .await
            .optional()
    };
    if let Some(r) = find(conn).await? {
        return Ok((r, false));
    }
    let created = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            let inserted: Option<RoomRow> = diesel::insert_into(rooms::table)
                .values((
                    rooms::id.eq(Uuid::now_v7()),
                    rooms::name.eq("direct"),
                    rooms::visibility.eq(Visibility::Private),
                    rooms::is_direct.eq(true),
                    rooms::dm_low.eq(low),
                    rooms::dm_high.eq(high),
                    rooms::created_by.eq(a),
                ))
                .on_conflict_do_nothing()
                .returning(RoomRow::as_returning())
                .get_result(conn)
                .await
                .optional()?;
            if let Some(r) = &inserted {
                add_member(conn, r.id, low, RoomRole::Member).await?;
                add_member(conn, r.id, high, RoomRole::Member).await?;
            }
            Ok(inserted)
        })
        .await?;
    match created {
        Some(r) => Ok((r, true)),
        // A concurrent request created it first.
        None => find(conn).await?.map(|r| (r, false)).ok_or(diesel::result::Error::NotFound),
    }
}

/// Public rooms (optionally by name), or the caller's rooms; newest first, `before` an id cursor.
pub async fn list_rooms(
    conn: &mut AsyncPgConnection,
    q: Option<&str>,
    mine: Option<UserId>,
    before: Option<RoomId>,
    limit: i64,
) -> QueryResult<Vec<RoomRow>> {
    let mut query = rooms::table.into_boxed();
    match mine {
        Some(user) => {
            let mine = room_members::table.filter(room_members::user_id.eq(user)).select(room_members::room_id);
            query = query.filter(rooms::id.eq_any(mine));
        }
        None => query = query.filter(rooms::visibility.eq(Visibility::Public)),
    }
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        let pattern = format!("%{}%", q.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query = query.filter(rooms::name.ilike(pattern));
    }
    if let Some(b) = before {
        query = query.filter(rooms::id.lt(b));
    }
    query.order(rooms::id.desc()).limit(limit).select(RoomRow::as_select()).load(conn).await
}

#[derive(Queryable, QueryableByName)]
pub(super) struct MessageJoined {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(super) id: MessageId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub(super) room_id: RoomId,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(super) seq: Seq,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub(super) author_id: UserId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) username: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) client_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub(super) body: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub(super) created_at: DateTime<Utc>,
}

pub(super) fn stored(m: MessageJoined, duplicate: bool) -> StoredMessage {
    StoredMessage {
        id: m.id,
        room: m.room_id,
        seq: m.seq,
        author: UserRef { id: m.author_id, username: m.username },
        body: m.body,
        client_id: m.client_id,
        sent_at: m.created_at,
        duplicate,
    }
}

macro_rules! joined_columns {
    () => {
        (
            messages::id,
            messages::room_id,
            messages::seq,
            messages::author_id,
            users::username,
            messages::client_id,
            messages::body,
            messages::created_at,
        )
    };
}

/// `after < seq <= up_to`, ascending, at most `limit`.
pub async fn range(
    conn: &mut AsyncPgConnection,
    room: RoomId,
    after: Seq,
    up_to: Seq,
    limit: i64,
) -> QueryResult<Vec<StoredMessage>> {
    let rows: Vec<MessageJoined> = messages::table
        .inner_join(users::table)
        .filter(messages::room_id.eq(room))
        .filter(messages::seq.gt(after))
        .filter(messages::seq.le(up_to))
        .order(messages::seq.asc())
        .limit(limit)
        .select(joined_columns!())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|m| stored(m, false)).collect())
}

/// The `limit` messages just below `before` (or the newest), ascending.
pub async fn before(
    conn: &mut AsyncPgConnection,
    room: RoomId,
    before: Option<Seq>,
    limit: i64,
) -> QueryResult<Vec<StoredMessage>> {
    let mut q = messages::table.inner_join(users::table).filter(messages::room_id.eq(room)).into_boxed();
    if let Some(b) = before {
        q = q.filter(messages::seq.lt(b));
    }
    let mut rows: Vec<MessageJoined> =
        q.order(messages::seq.desc()).limit(limit).select(joined_columns!()).load(conn).await?;
    rows.reverse();
    Ok(rows.into_iter().map(|m| stored(m, false)).collect())
}

pub async fn message(conn: &mut AsyncPgConnection, room: RoomId, id: MessageId) -> QueryResult<Option<StoredMessage>> {
    Ok(message_by_id(conn, id).await?.filter(|m| m.room == room))
}

/// A message by its global id, wherever it is (a report names only that).
pub async fn message_by_id(conn: &mut AsyncPgConnection, id: MessageId) -> QueryResult<Option<StoredMessage>> {
    let row: Option<MessageJoined> = messages::table
        .inner_join(users::table)
        .filter(messages::id.eq(id))
        .select(joined_columns!())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|m| stored(m, false)))
}

/// Soft delete: the body goes, the `seq` slot stays.
pub async fn soft_delete(conn: &mut AsyncPgConnection, room: RoomId, id: MessageId, by: UserId) -> QueryResult<bool> {
    let n = diesel::update(
        messages::table
            .filter(messages::room_id.eq(room))
            .filter(messages::id.eq(id))
            .filter(messages::deleted_at.is_null()),
    )
    .set((messages::body.eq(None::<String>), messages::deleted_at.eq(Utc::now()), messages::deleted_by.eq(by)))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

pub async fn last_seq(conn: &mut AsyncPgConnection, room: RoomId) -> QueryResult<Seq> {
    rooms::table.find(room).select(rooms::last_seq).first(conn).await.optional().map(|v| Seq(v.unwrap_or(0)))
}

/// Joining: members stay; a public room admits anyone as member; a private one does not.
pub async fn admit(conn: &mut AsyncPgConnection, room: RoomId, user: UserId) -> QueryResult<Membership> {
    let Some(r) = self::room(conn, room).await? else { return Ok(Membership::NoRoom) };
    if member(conn, room, user).await?.is_none() {
        if r.visibility != Visibility::Public {
            return Ok(Membership::NotMember);
        }
        add_member(conn, room, user, RoomRole::Member).await?;
    }
    let m = member(conn, room, user).await?;
    Ok(match m {
        Some(m) => {
            Membership::Member { moderator: m.role.moderates(), muted_until: m.muted_until, direct: r.is_direct }
        }
        None => Membership::NotMember,
    })
}

pub async fn may_post(conn: &mut AsyncPgConnection, room: RoomId, user: UserId) -> QueryResult<PostCheck> {
    let Some(r) = self::room(conn, room).await? else { return Ok(PostCheck::NotMember) };
    let Some(m) = member(conn, room, user).await? else { return Ok(PostCheck::NotMember) };
    if m.muted_until.is_some_and(|t| t > Utc::now()) {
        return Ok(PostCheck::Muted);
    }
    if let (true, Some(low), Some(high)) = (r.is_direct, r.dm_low, r.dm_high)
        && crate::users::blocking::blocked_either_way(conn, low, high).await?
    {
        return Ok(PostCheck::Blocked);
    }
    Ok(PostCheck::Allowed)
}

/// Moves `user`'s read marker in `room` forward to `up_to`, bounded by the room's last `seq`
/// (a client cannot mark what does not exist); answers the new marker when it moved.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    room: RoomId,
    user: UserId,
    up_to: Seq,
) -> QueryResult<Option<Seq>> {
    let to = up_to.min(last_seq(conn, room).await?);
    if to <= Seq::ZERO {
        return Ok(None);
    }
    let moved = diesel::update(room_members::table.find((room, user)).filter(room_members::last_read_seq.lt(to)))
        .set(room_members::last_read_seq.eq(to))
        .execute(conn)
        .await?;
    Ok((moved == 1).then_some(to))
}

/// Takes the user out of every room; the rooms it left.
pub async fn leave_all_rooms(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<RoomId>> {
    diesel::delete(room_members::table.filter(room_members::user_id.eq(user)))
        .returning(room_members::room_id)
        .get_results(conn)
        .await
}
