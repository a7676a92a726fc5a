//! The idempotency_keys table: a request claims its key, completes it with the answer to
//! replay, or releases it (an answer that must not be replayed); old records are swept.

use crate::db::schema::idempotency_keys;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use veza_core::UserId;

/// How long a stored answer is replayed.
pub const RETENTION_HOURS: i64 = 24;

/// What a key holds: the first request's hash and, once it finished, its answer.
#[derive(Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct Stored {
    pub request_hash: Vec<u8>,
    pub status: Option<i16>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// Takes the key for this request (`None`), or returns what is stored under it.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    hash: &[u8],
    method: &str,
    path: &str,
) -> QueryResult<Option<Stored>> {
    for _ in 0..2 {
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::user_id.eq(user),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(hash),
                idempotency_keys::method.eq(method),
                idempotency_keys::path.eq(path),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 1 {
            return Ok(None);
        }
        let stored: Option<Stored> =
            idempotency_keys::table.find((user, key)).select(Stored::as_select()).first(conn).await.optional()?;
        match stored {
            Some(s) if s.created_at > Utc::now() - ChronoDuration::hours(RETENTION_HOURS) => return Ok(Some(s)),
            // Expired (or released meanwhile): forget it and claim again.
            _ => {
                release(conn, user, key).await?;
            }
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}

/// Stores the answer to replay.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    status: i16,
    content_type: Option<String>,
    body: &[u8],
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((user, key)))
        .set((
            idempotency_keys::status.eq(status),
            idempotency_keys::content_type.eq(content_type),
            idempotency_keys::body.eq(body),
            idempotency_keys::completed_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Frees the key.
pub async fn release(conn: &mut AsyncPgConnection, user: UserId, key: &str) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.find((user, key))).execute(conn).await.map(|_| ())
}
