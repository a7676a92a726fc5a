//! What the denylist rereads: sessions revoked lately, users who are not active.

use crate::auth::model::UserStatus;
use crate::db::schema::{auth_sessions, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Sessions revoked after `since`, with when.
pub async fn revoked_since(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, Option<DateTime<Utc>>)>> {
    auth_sessions::table
        .filter(auth_sessions::revoked_at.gt(since))
        .select((auth_sessions::id, auth_sessions::revoked_at))
        .load(conn)
        .await
}

/// Every user whose status is not active, with when a suspension ends (`None`: never by itself).
pub async fn inactive_users(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(Uuid, Option<DateTime<Utc>>)>> {
    users::table
        .filter(users::status.ne(UserStatus::Active))
        .select((users::id, users::suspended_until))
        .load(conn)
        .await
}
