//! User queries: profiles, preferences, friendships, blocks.

use super::model::{BlockEntry, FriendEntry, ProfileChanges, PublicProfile, UserRef};
use crate::auth::model::UserStatus;
use crate::db::schema::{blocks, friendships, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use veza_core::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct ProfileRow {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub location: Option<String>,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
}

impl ProfileRow {
    /// What anyone may see of it.
    pub fn public(self) -> PublicProfile {
        PublicProfile {
            id: self.id.uuid(),
            username: self.username,
            display_name: self.display_name,
            bio: self.bio,
            avatar_url: self.avatar_url,
            created_at: self.created_at,
        }
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct ProfileChangeset {
    display_name: Option<Option<String>>,
    bio: Option<Option<String>>,
    avatar_url: Option<Option<String>>,
    location: Option<Option<String>>,
}

pub async fn profile(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<ProfileRow>> {
    users::table.find(id).select(ProfileRow::as_select()).first(conn).await.optional()
}

/// Active users' profiles by id (search results).
/// Takes a shared connection so that it can go down one pipelined with others.
pub async fn active_profiles(mut conn: &AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<ProfileRow>> {
    users::table
        .filter(users::id.eq_any(ids.iter().map(|id| UserId(*id)).collect::<Vec<_>>()))
        .filter(users::status.eq(UserStatus::Active))
        .select(ProfileRow::as_select())
        .load(&mut conn)
        .await
}

/// Everyone `user` blocked or was blocked by.
pub async fn blocked_either_way_of(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<Uuid>> {
    let mine = blocks::table.filter(blocks::blocker_id.eq(user)).select(blocks::blocked_id);
    let theirs = blocks::table.filter(blocks::blocked_id.eq(user)).select(blocks::blocker_id);
    let mut ids: Vec<UserId> = mine.load(conn).await?;
    ids.extend(theirs.load::<UserId>(conn).await?);
    Ok(ids.into_iter().map(|u| u.uuid()).collect())
}

/// By id when `key` is a UUID, else by (lowercased) username.
pub async fn profile_by_key(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Option<ProfileRow>> {
    match Uuid::parse_str(key) {
        Ok(id) => profile(conn, UserId(id)).await,
        Err(_) => users::table
            .filter(users::username.eq(key.to_lowercase()))
            .select(ProfileRow::as_select())
            .first(conn)
            .await
            .optional(),
    }
}

pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    id: UserId,
    c: ProfileChanges,
) -> QueryResult<Option<ProfileRow>> {
    if c.display_name.is_none() && c.bio.is_none() && c.avatar_url.is_none() && c.location.is_none() {
        return profile(conn, id).await;
    }
    let set =
        ProfileChangeset { display_name: c.display_name, bio: c.bio, avatar_url: c.avatar_url, location: c.location };
    diesel::update(users::table.find(id))
        .set(&set)
        .returning(ProfileRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn preferences(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<serde_json::Value>> {
    users::table.find(id).select(users::preferences).first(conn).await.optional()
}

pub async fn set_preferences(conn: &mut AsyncPgConnection, id: UserId, prefs: &serde_json::Value) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::preferences.eq(prefs)).execute(conn).await.map(|_| ())
}

/// The relation between two users, whoever asked: (requester, status).
pub async fn relation(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<Option<(Uuid, String)>> {
    friendships::table
        .filter(
            (friendships::requester_id.eq(a).and(friendships::addressee_id.eq(b)))
                .or(friendships::requester_id.eq(b).and(friendships::addressee_id.eq(a))),
        )
        .select((friendships::requester_id, friendships::status))
        .first(conn)
        .await
        .optional()
}

pub async fn insert_request(conn: &mut AsyncPgConnection, from: UserId, to: UserId) -> QueryResult<()> {
    diesel::insert_into(friendships::table)
        .values((
            friendships::requester_id.eq(from),
            friendships::addressee_id.eq(to),
            friendships::status.eq("pending"),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Accepts `requester`'s pending request to `addressee`; false when there is none.
pub async fn accept(conn: &mut AsyncPgConnection, requester: UserId, addressee: UserId) -> QueryResult<bool> {
    let n = diesel::update(
        friendships::table
            .filter(friendships::requester_id.eq(requester))
            .filter(friendships::addressee_id.eq(addressee))
            .filter(friendships::status.eq("pending")),
    )
    .set((friendships::status.eq("accepted"), friendships::accepted_at.eq(Utc::now())))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Removes the relation between two users, in either direction; false when there was none.
pub async fn remove_relation(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<bool> {
    let n = diesel::delete(
        friendships::table.filter(
            (friendships::requester_id.eq(a).and(friendships::addressee_id.eq(b)))
                .or(friendships::requester_id.eq(b).and(friendships::addressee_id.eq(a))),
        ),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// (other user's id, username, status, requested at, accepted at).
type RelationRow = (Uuid, String, String, DateTime<Utc>, Option<DateTime<Utc>>);

/// (other user, requested by the caller?, status, since).
pub type Relation = (UserRef, bool, String, DateTime<Utc>);

/// Every relation of `user`: (other user, requested by `user`?, status, since).
pub async fn relations(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<Relation>> {
    let sent: Vec<RelationRow> = friendships::table
        .inner_join(users::table.on(users::id.eq(friendships::addressee_id)))
        .filter(friendships::requester_id.eq(user))
        .select((users::id, users::username, friendships::status, friendships::created_at, friendships::accepted_at))
        .load(conn)
        .await?;
    let received: Vec<RelationRow> = friendships::table
        .inner_join(users::table.on(users::id.eq(friendships::requester_id)))
        .filter(friendships::addressee_id.eq(user))
        .select((users::id, users::username, friendships::status, friendships::created_at, friendships::accepted_at))
        .load(conn)
        .await?;
    let tag = |mine: bool| {
        move |(id, username, status, created, accepted): (
            Uuid,
            String,
            String,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
        )| { (UserRef { id, username }, mine, status, accepted.unwrap_or(created)) }
    };
    Ok(sent.into_iter().map(tag(true)).chain(received.into_iter().map(tag(false))).collect())
}

pub async fn block(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<()> {
    diesel::insert_into(blocks::table)
        .values((blocks::blocker_id.eq(blocker), blocks::blocked_id.eq(blocked)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn unblock(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<()> {
    diesel::delete(blocks::table.find((blocker, blocked))).execute(conn).await.map(|_| ())
}

/// Is there a block between `a` and `b`, in either direction? (`blocking.rs` holds the rule.)
pub async fn blocked_either_way(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        blocks::table.filter(
            (blocks::blocker_id.eq(a).and(blocks::blocked_id.eq(b)))
                .or(blocks::blocker_id.eq(b).and(blocks::blocked_id.eq(a))),
        ),
    ))
    .get_result(conn)
    .await
}

/// Usernames of `ids` (those that exist).
pub async fn usernames(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, String)>> {
    users::table.filter(users::id.eq_any(ids)).select((users::id, users::username)).load(conn).await
}

/// A user's username, `None` when the account is gone.
pub async fn username(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<String>> {
    users::table.find(id).select(users::username).first(conn).await.optional()
}

pub async fn blocks_of(conn: &mut AsyncPgConnection, blocker: UserId) -> QueryResult<Vec<BlockEntry>> {
    let rows: Vec<(Uuid, String, DateTime<Utc>)> = blocks::table
        .inner_join(users::table.on(users::id.eq(blocks::blocked_id)))
        .filter(blocks::blocker_id.eq(blocker))
        .order(blocks::created_at.desc())
        .select((users::id, users::username, blocks::created_at))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, username, created_at)| BlockEntry { user: UserRef { id, username }, created_at })
        .collect())
}

/// Sorts relations into the three lists of `FriendsView`.
pub fn split_relations(
    rows: Vec<(UserRef, bool, String, DateTime<Utc>)>,
) -> (Vec<FriendEntry>, Vec<FriendEntry>, Vec<FriendEntry>) {
    let (mut friends, mut incoming, mut outgoing) = (Vec::new(), Vec::new(), Vec::new());
    for (user, mine, status, since) in rows {
        let entry = FriendEntry { user, since };
        match (status.as_str(), mine) {
            ("accepted", _) => friends.push(entry),
            (_, true) => outgoing.push(entry),
            (_, false) => incoming.push(entry),
        }
    }
    (friends, incoming, outgoing)
}

/// Erases an account in place (its row stays: messages, offers and the audit trail point at
/// it): status `deleted`, every personal field cleared, the name and email replaced by
/// placeholders registration can never produce (`deleted-…` is not a username, an address
/// without `@` is not an email), so no one can take them over and they stay unique.
pub async fn erase(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<()> {
    let none: Option<String> = None;
    diesel::update(users::table.find(id))
        .set((
            users::status.eq(UserStatus::Deleted),
            users::status_changed_at.eq(Utc::now()),
            users::username.eq(format!("deleted-{}", id.uuid().simple())),
            users::email.eq(format!("deleted:{}", id.uuid().simple())),
            users::email_verified.eq(false),
            users::password_hash.eq(none.clone()),
            users::display_name.eq(none.clone()),
            users::bio.eq(none.clone()),
            users::avatar_url.eq(none.clone()),
            users::location.eq(none),
            users::roles.eq(vec!["user".to_owned()]),
            users::preferences.eq(serde_json::json!({})),
            users::suspended_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A moderator clears the profile's text (a report resolved with `remove_content`): display
/// name, bio, avatar and location; false when the account is gone.
pub async fn clear_profile(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<bool> {
    let none: Option<String> = None;
    let n = diesel::update(users::table.find(id).filter(users::status.ne(UserStatus::Deleted)))
        .set((
            users::display_name.eq(none.clone()),
            users::bio.eq(none.clone()),
            users::avatar_url.eq(none.clone()),
            users::location.eq(none),
            users::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Every friendship and block the user is part of, either way.
pub async fn forget_relations(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<()> {
    diesel::delete(friendships::table.filter(friendships::requester_id.eq(id).or(friendships::addressee_id.eq(id))))
        .execute(conn)
        .await?;
    diesel::delete(blocks::table.filter(blocks::blocker_id.eq(id).or(blocks::blocked_id.eq(id)))).execute(conn).await?;
    Ok(())
}

/// An account's standing as locked for a change (the one row lock every change of standing,
/// and account deletion, takes).
#[derive(Debug, Clone)]
pub struct LockedStanding {
    pub status: UserStatus,
    pub roles: Vec<String>,
    pub suspended_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Locks the account's row; its standing as it is now.
pub async fn lock_standing(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<LockedStanding>> {
    let row: Option<(UserStatus, Vec<String>, Option<chrono::DateTime<chrono::Utc>>)> = users::table
        .find(id)
        .select((users::status, users::roles, users::suspended_until))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(status, roles, suspended_until)| LockedStanding { status, roles, suspended_until }))
}

/// Locks every active admin's row (so two concurrent removals cannot both see another admin
/// left); their ids.
pub async fn lock_active_admins(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UserId>> {
    users::table
        .filter(users::status.eq(UserStatus::Active))
        .filter(users::roles.contains(vec!["admin".to_owned()]))
        .order(users::id)
        .select(users::id)
        .for_update()
        .load(conn)
        .await
}
