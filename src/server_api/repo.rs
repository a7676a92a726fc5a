//! Every SQL statement of the server API: API keys (and their service users), authors, rooms
//! by name.

use crate::db::schema::{api_keys, rooms, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use veza_core::{RoomId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct KeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<String>,
    pub service_user: Uuid,
    pub rate_per_sec: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewKey<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: Vec<String>,
    pub service_user: Uuid,
    pub rate_per_sec: Option<i32>,
}

pub async fn insert_key(conn: &mut AsyncPgConnection, k: NewKey<'_>) -> QueryResult<KeyRow> {
    diesel::insert_into(api_keys::table).values(&k).returning(KeyRow::as_returning()).get_result(conn).await
}

/// A live key by its public prefix, with its service user's name.
pub async fn live_key(conn: &mut AsyncPgConnection, prefix: &str) -> QueryResult<Option<(KeyRow, String)>> {
    api_keys::table
        .inner_join(users::table)
        .filter(api_keys::prefix.eq(prefix))
        .filter(api_keys::revoked_at.is_null())
        .select((KeyRow::as_select(), users::username))
        .first(conn)
        .await
        .optional()
}

pub async fn list_keys(conn: &mut AsyncPgConnection) -> QueryResult<Vec<KeyRow>> {
    api_keys::table.order(api_keys::created_at.asc()).select(KeyRow::as_select()).load(conn).await
}

/// Revokes the live key with this id, else this name, else this prefix (a name could look
/// like another key's prefix: the first match alone goes); `None` when no live key matches.
pub async fn revoke(conn: &mut AsyncPgConnection, name_or_id: &str) -> QueryResult<Option<KeyRow>> {
    let live = || api_keys::table.filter(api_keys::revoked_at.is_null()).select(api_keys::id).into_boxed();
    let mut target: Option<Uuid> = None;
    if let Ok(id) = Uuid::parse_str(name_or_id) {
        target = live().filter(api_keys::id.eq(id)).first(conn).await.optional()?;
    }
    if target.is_none() {
        target = live().filter(api_keys::name.eq(name_or_id)).first(conn).await.optional()?;
    }
    if target.is_none() {
        target = live().filter(api_keys::prefix.eq(name_or_id)).first(conn).await.optional()?;
    }
    let Some(id) = target else { return Ok(None) };
    diesel::update(api_keys::table.find(id))
        .set(api_keys::revoked_at.eq(Utc::now()))
        .returning(KeyRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Who a message would be posted as: name, status and roles.
#[derive(Debug, Clone, Queryable)]
pub struct Author {
    pub id: UserId,
    pub username: String,
    pub status: String,
    pub roles: Vec<String>,
}

pub async fn author(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Option<Author>> {
    users::table
        .find(user)
        .select((users::id, users::username, users::status, users::roles))
        .first(conn)
        .await
        .optional()
}

/// Whether `user` exists and is active.
pub async fn active_user(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<bool> {
    Ok(author(conn, user).await?.is_some_and(|a| a.status == "active"))
}

/// Rooms whose name is `LIKE` the pattern (case-insensitive), by id after `after`.
pub async fn rooms_like(
    conn: &mut AsyncPgConnection,
    like: &str,
    after: Option<RoomId>,
    limit: i64,
) -> QueryResult<Vec<RoomId>> {
    let mut q = rooms::table.filter(rooms::name.ilike(like)).into_boxed();
    if let Some(a) = after {
        q = q.filter(rooms::id.gt(a));
    }
    q.order(rooms::id.asc()).limit(limit).select(rooms::id).load(conn).await
}
