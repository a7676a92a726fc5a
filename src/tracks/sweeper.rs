//! `BlobSweeper`: removes blobs no track references any more. A delete gives back its
//! reference in its transaction (the count reaching 0 stamps `orphaned_at`); only after that
//! commit is a file removed, by a transaction that locks the blob row, checks again that no
//! reference was taken meanwhile, removes the file, then the row. An upload taking a reference
//! waits on that lock (or makes the sweeper skip the row), so a blob just referenced is never
//! removed. It also removes expired resumable uploads (row and parts). Every node runs one;
//! rows are taken with `SKIP LOCKED`.

use super::blob_refs;
use super::tus::repo as uploads;
use crate::db::DbPool;
use crate::infra::blobs::{BlobKey, BlobStore};
use actix::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::time::Duration;

/// Orphans removed per transaction.
const BATCH: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("storage: {0}")]
    Storage(String),
}

/// Removes the blobs of `shas` that still have no reference (locked rows are left for later).
async fn remove_locked(conn: &mut AsyncPgConnection, blobs: &BlobStore, shas: &[String]) -> Result<(), SweepError> {
    for sha in shas {
        if let Some(key) = BlobKey::for_sha256(sha) {
            blobs.delete(&key).await.map_err(|e| SweepError::Storage(e.to_string()))?;
            // Covers scaled from it go with it.
            blobs.delete_all(&BlobKey::derived_prefix(sha)).await.map_err(|e| SweepError::Storage(e.to_string()))?;
        }
        blob_refs::forget(conn, sha).await?;
    }
    Ok(())
}

/// Removes blob `sha` now if nothing references it (called after a delete's commit).
pub async fn remove_if_orphaned(conn: &mut AsyncPgConnection, blobs: &BlobStore, sha: &str) -> Result<(), SweepError> {
    conn.transaction::<_, SweepError, _>(async |conn| {
        let orphan = blob_refs::lock_orphan(conn, sha).await?;
        remove_locked(conn, blobs, &orphan.into_iter().collect::<Vec<_>>()).await
    })
    .await
}

/// One batch of orphaned blobs and one of expired uploads; how many were removed.
pub async fn sweep_once(pool: &DbPool, blobs: &BlobStore) -> Result<usize, SweepError> {
    let mut conn = pool.get().await.map_err(|e| SweepError::Storage(format!("database: {e}")))?;
    let orphans = conn
        .transaction::<_, SweepError, _>(async |conn| {
            let shas = blob_refs::lock_orphans(conn, BATCH).await?;
            remove_locked(conn, blobs, &shas).await?;
            Ok(shas.len())
        })
        .await?;
    let expired = conn
        .transaction::<_, SweepError, _>(async |conn| {
            let ids = uploads::lock_expired(conn, BATCH).await?;
            for id in &ids {
                blobs
                    .delete_all(&BlobKey::upload_prefix(id.uuid()))
                    .await
                    .map_err(|e| SweepError::Storage(e.to_string()))?;
                uploads::forget(conn, *id).await?;
            }
            Ok(ids.len())
        })
        .await?;
    Ok(orphans + expired)
}

pub struct BlobSweeper {
    pool: DbPool,
    blobs: BlobStore,
    interval: Duration,
}

impl BlobSweeper {
    pub fn new(pool: DbPool, blobs: BlobStore, interval: Duration) -> Self {
        BlobSweeper { pool, blobs, interval }
    }
}

impl Actor for BlobSweeper {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |this, ctx| {
            let (pool, blobs) = (this.pool.clone(), this.blobs.clone());
            // `wait`: one sweep at a time per node.
            ctx.wait(
                async move {
                    match sweep_once(&pool, &blobs).await {
                        Ok(0) => {}
                        Ok(n) => tracing::debug!(blobs = n, "orphaned blobs removed"),
                        Err(e) => tracing::warn!(error = %e, "blob sweep failed"),
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for BlobSweeper {}
