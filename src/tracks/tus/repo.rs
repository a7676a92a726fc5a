//! The `uploads` table.

use crate::db::schema::uploads;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use veza_core::{UploadId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = uploads)]
pub struct UploadRow {
    pub id: UploadId,
    pub owner_id: UserId,
    pub size_bytes: i64,
    pub offset_bytes: i64,
    pub filename: String,
    pub sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: UploadId,
    owner: UserId,
    size: i64,
    filename: &str,
    sha256: Option<&str>,
    expires_at: DateTime<Utc>,
) -> QueryResult<UploadRow> {
    diesel::insert_into(uploads::table)
        .values((
            uploads::id.eq(id),
            uploads::owner_id.eq(owner),
            uploads::size_bytes.eq(size),
            uploads::filename.eq(filename),
            uploads::sha256.eq(sha256),
            uploads::expires_at.eq(expires_at),
        ))
        .returning(UploadRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: UploadId) -> QueryResult<Option<UploadRow>> {
    uploads::table.find(id).select(UploadRow::as_select()).first(conn).await.optional()
}

pub async fn lock(conn: &mut AsyncPgConnection, id: UploadId) -> QueryResult<Option<UploadRow>> {
    uploads::table.find(id).select(UploadRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn advance(conn: &mut AsyncPgConnection, id: UploadId, offset: i64) -> QueryResult<()> {
    diesel::update(uploads::table.find(id)).set(uploads::offset_bytes.eq(offset)).execute(conn).await.map(|_| ())
}

/// Removes `owner`'s upload `id`; whether it was there.
pub async fn delete(conn: &mut AsyncPgConnection, id: UploadId, owner: UserId) -> QueryResult<bool> {
    let n = diesel::delete(uploads::table.find(id).filter(uploads::owner_id.eq(owner))).execute(conn).await?;
    Ok(n == 1)
}

/// Up to `limit` expired uploads, locked (others' locked rows skipped).
pub async fn lock_expired(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<UploadId>> {
    uploads::table
        .filter(uploads::expires_at.lt(Utc::now()))
        .select(uploads::id)
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

pub async fn forget(conn: &mut AsyncPgConnection, id: UploadId) -> QueryResult<()> {
    diesel::delete(uploads::table.find(id)).execute(conn).await.map(|_| ())
}
