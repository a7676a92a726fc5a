//! The `blobs` table: one row per stored blob, its reference count changed only under the
//! row's lock. A count that reaches 0 stamps `orphaned_at`; the sweeper (`sweeper.rs`) removes
//! the file after that commit, locking the row and checking the count again.

use crate::db::schema::blobs;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Takes one reference to the blob `sha256` (creating its row), holding the row's lock until
/// the transaction ends; whether the row existed with references before (its bytes are
/// stored, and stay: no sweeper can remove them while the lock is held).
pub async fn take(conn: &mut AsyncPgConnection, sha256: &str, size: i64, content_type: &str) -> QueryResult<bool> {
    let refs_before: i32 = diesel::insert_into(blobs::table)
        .values((
            blobs::sha256.eq(sha256),
            blobs::size_bytes.eq(size),
            blobs::content_type.eq(content_type),
            blobs::refs.eq(1),
        ))
        .on_conflict(blobs::sha256)
        .do_update()
        .set((blobs::refs.eq(blobs::refs + 1), blobs::orphaned_at.eq(None::<chrono::DateTime<chrono::Utc>>)))
        .returning(blobs::refs - 1)
        .get_result(conn)
        .await?;
    Ok(refs_before > 0)
}

/// Gives back one reference; a blob left with none is stamped orphaned for the sweeper.
pub async fn release(conn: &mut AsyncPgConnection, sha256: &str) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE blobs SET refs = refs - 1, \
         orphaned_at = CASE WHEN refs - 1 = 0 THEN now() ELSE NULL END WHERE sha256 = $1",
    )
    .bind::<diesel::sql_types::Text, _>(sha256)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Up to `limit` blobs without references, locked (others' locked rows skipped: an upload
/// may be taking one back); the caller removes each file, then its row, then commits.
pub async fn lock_orphans(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<String>> {
    blobs::table
        .filter(blobs::refs.eq(0))
        .select(blobs::sha256)
        .order(blobs::orphaned_at.asc())
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

pub async fn forget(conn: &mut AsyncPgConnection, sha256: &str) -> QueryResult<()> {
    diesel::delete(blobs::table.find(sha256).filter(blobs::refs.eq(0))).execute(conn).await.map(|_| ())
}

/// The blob's content type, when it has a row.
pub async fn content_type(conn: &mut AsyncPgConnection, sha256: &str) -> QueryResult<Option<String>> {
    blobs::table.find(sha256).select(blobs::content_type).first(conn).await.optional()
}

pub async fn size(conn: &mut AsyncPgConnection, sha256: &str) -> QueryResult<Option<i64>> {
    blobs::table.find(sha256).select(blobs::size_bytes).first(conn).await.optional()
}

/// Blob `sha256` locked, if it has no reference and no one else holds it.
pub async fn lock_orphan(conn: &mut AsyncPgConnection, sha256: &str) -> QueryResult<Option<String>> {
    blobs::table
        .find(sha256)
        .filter(blobs::refs.eq(0))
        .select(blobs::sha256)
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()
}
