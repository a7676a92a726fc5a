//! What has expired and can go: idempotency records past their retention, used or expired
//! one-time secrets (magic links, login codes, OAuth states). Idempotent; any node may run it.

use super::idempotency::RETENTION_HOURS;
use crate::db::schema::{idempotency_keys, login_codes, magic_links, oauth_states};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Deletes what expired by `now`; returns how many rows went.
pub async fn delete_expired(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let retained_since = now - ChronoDuration::hours(RETENTION_HOURS);
    let mut n = diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(retained_since)))
        .execute(conn)
        .await?;
    n += diesel::delete(magic_links::table.filter(magic_links::expires_at.lt(retained_since))).execute(conn).await?;
    n += diesel::delete(login_codes::table.filter(login_codes::expires_at.lt(retained_since))).execute(conn).await?;
    n += diesel::delete(oauth_states::table.filter(oauth_states::expires_at.lt(now))).execute(conn).await?;
    Ok(n)
}
