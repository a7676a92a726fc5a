//! The resumable uploads service: an actor per HTTP worker delegating to `UploadCore`.

use super::model::*;
use super::repo::{self, UploadRow};
use crate::db::{PooledConn, checkout};
use crate::infra::blobs::BlobKey;
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::tracks::limits;
use crate::tracks::repo as tracks_repo;
use crate::tracks::sniff::{SNIFF_BYTES, sniff};
use crate::tracks::spool::{Chunk, SpoolError, Spooled, spool};
use actix::prelude::Message;
use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use futures_util::{StreamExt, TryStreamExt};
use std::path::PathBuf;
use veza_core::{UploadId, UserId};

pub struct UploadCore {
    pub state: AppState,
}

pub type UploadService = Service<UploadCore>;

impl Core for UploadCore {
    fn new(state: AppState) -> Self {
        UploadCore { state }
    }
}

#[derive(Debug, Message)]
#[rtype(result = "Result<UploadView, UploadError>")]
pub struct CreateUpload {
    pub user: UserId,
    pub body: NewUpload,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<UploadView, UploadError>")]
pub struct UploadStatus {
    pub user: UserId,
    pub id: UploadId,
}

/// A spooled chunk that claims to start at `offset`.
#[derive(Debug, Message)]
#[rtype(result = "Result<UploadView, UploadError>")]
pub struct AppendChunk {
    pub user: UserId,
    pub id: UploadId,
    pub offset: i64,
    pub chunk: Chunk,
}

/// Every byte, in order, through the direct upload's spool: the file to make a track of.
#[derive(Debug, Message)]
#[rtype(result = "Result<(Spooled, String), UploadError>")]
pub struct AssembleUpload {
    pub user: UserId,
    pub id: UploadId,
    pub spool_dir: PathBuf,
}

/// Removes the upload (its row if still there, its parts).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), UploadError>")]
pub struct DiscardUpload {
    pub user: UserId,
    pub id: UploadId,
}

crate::delegate_to_core!(UploadCore {
    CreateUpload => create,
    UploadStatus => status,
    AppendChunk => append,
    AssembleUpload => assemble,
    DiscardUpload => discard,
});

fn storage(e: impl std::fmt::Display) -> UploadError {
    UploadFault::Storage(e.to_string()).into()
}

fn view(r: &UploadRow) -> UploadView {
    UploadView { id: r.id.uuid(), offset: r.offset_bytes, size: r.size_bytes, expires_at: r.expires_at }
}

/// The caller's upload, still in time.
fn usable(row: Option<UploadRow>, user: UserId) -> Result<UploadRow, UploadError> {
    let row = row.filter(|r| r.owner_id == user).ok_or(UploadError::NotFound)?;
    if row.expires_at <= Utc::now() {
        return Err(UploadFault::Expired.into());
    }
    Ok(row)
}

impl UploadCore {
    async fn conn(&self) -> Result<PooledConn<'_>, UploadError> {
        Ok(checkout(&self.state.pool).await?)
    }

    pub async fn create(&self, m: CreateUpload) -> Result<UploadView, UploadError> {
        let (t, limits) = (&self.state.config.tracks, limits::in_force(&self.state));
        if m.body.size == 0 {
            return Err(UploadError::invalid("size", "at least 1 byte"));
        }
        if m.body.size > limits.max_bytes {
            return Err(UploadFault::TooLarge { limit: limits.max_bytes }.into());
        }
        let filename = FILENAME
            .check(&m.body.filename)
            .map_err(|_| UploadError::invalid("filename", "1 to 255 characters, no control characters"))?
            .to_owned();
        let sha = match m.body.sha256.as_deref() {
            Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Some(h.to_ascii_lowercase()),
            Some(_) => return Err(UploadError::invalid("sha256", "64 hexadecimal digits")),
            None => None,
        };
        let size = i64::try_from(m.body.size).map_err(storage)?;
        let (quota, expiry) =
            (limits.quota_bytes, Duration::seconds(i64::try_from(t.upload_expiry_secs).unwrap_or(86_400)));
        let mut conn = self.conn().await?;
        let row = conn
            .transaction::<_, UploadError, _>(async |conn| {
                tracks_repo::lock_owner(conn, m.user).await?;
                let used = u64::try_from(tracks_repo::bytes_used(conn, m.user).await?).unwrap_or(0);
                if used.saturating_add(m.body.size) > quota {
                    return Err(UploadFault::QuotaExceeded { quota }.into());
                }
                let expires = Utc::now() + expiry;
                Ok(repo::insert(conn, UploadId::new_v7(), m.user, size, &filename, sha.as_deref(), expires).await?)
            })
            .await?;
        Ok(view(&row))
    }

    pub async fn status(&self, m: UploadStatus) -> Result<UploadView, UploadError> {
        let mut conn = self.conn().await?;
        Ok(view(&usable(repo::get(&mut conn, m.id).await?, m.user)?))
    }

    pub async fn append(&self, m: AppendChunk) -> Result<UploadView, UploadError> {
        let AppendChunk { user, id, offset, chunk } = m;
        let len = i64::try_from(chunk.len).map_err(storage)?;
        let mut conn = self.conn().await?;
        let row = usable(repo::get(&mut conn, id).await?, user)?;
        // The first bytes decide early: a file that is no audio stops here, not at 200 MiB.
        let decisive = usize::try_from(row.size_bytes).unwrap_or(usize::MAX).min(SNIFF_BYTES);
        if offset == 0 && chunk.head.len() >= decisive && sniff(&chunk.head).is_none() {
            repo::delete(&mut conn, id, user).await?;
            return Err(UploadFault::NotAudio.into());
        }
        let blobs = self.state.blobs.clone();
        let row = conn
            .transaction::<_, UploadError, _>(async |conn| {
                let row = usable(repo::lock(conn, id).await?, user)?;
                if offset != row.offset_bytes {
                    return Err(UploadFault::OffsetMismatch { server: row.offset_bytes }.into());
                }
                if row.offset_bytes + len > row.size_bytes {
                    return Err(UploadFault::TooLarge { limit: u64::try_from(row.size_bytes).unwrap_or(0) }.into());
                }
                if len > 0 {
                    let key = BlobKey::upload_part(id.uuid(), u64::try_from(offset).unwrap_or(0));
                    blobs.adopt_file(&key, chunk.file.path()).await.map_err(storage)?;
                    repo::advance(conn, id, offset + len).await?;
                }
                Ok(UploadRow { offset_bytes: offset + len, ..row })
            })
            .await?;
        Ok(view(&row))
    }

    pub async fn assemble(&self, m: AssembleUpload) -> Result<(Spooled, String), UploadError> {
        let mut conn = self.conn().await?;
        let row = usable(repo::get(&mut conn, m.id).await?, m.user)?;
        if row.offset_bytes < row.size_bytes {
            return Err(UploadFault::Incomplete { offset: row.offset_bytes, size: row.size_bytes }.into());
        }
        drop(conn);
        let blobs = self.state.blobs.clone();
        let parts = blobs.list(&BlobKey::upload_prefix(m.id.uuid())).await.map_err(storage)?;
        let stream = futures_util::stream::iter(parts)
            .then(move |(key, _)| {
                let blobs = blobs.clone();
                async move { blobs.read_stream(&key).await }
            })
            .try_flatten()
            .boxed();
        let limit = limits::in_force(&self.state).max_bytes;
        let spooled = spool(&m.spool_dir, stream, limit, u64::MAX).await.map_err(|e| match e {
            SpoolError::NotAudio => UploadFault::NotAudio.into(),
            SpoolError::TooLarge { limit } => UploadFault::TooLarge { limit }.into(),
            other => storage(other),
        })?;
        if spooled.size != u64::try_from(row.size_bytes).unwrap_or(0) {
            return Err(storage("the stored parts do not add up to the upload"));
        }
        if row.sha256.as_deref().is_some_and(|h| h != spooled.sha256_hex) {
            return Err(UploadFault::ChecksumMismatch.into());
        }
        Ok((spooled, row.filename))
    }

    pub async fn discard(&self, m: DiscardUpload) -> Result<(), UploadError> {
        let mut conn = self.conn().await?;
        let gone = repo::delete(&mut conn, m.id, m.user).await?;
        // Parts of an upload the caller does not own are not theirs to remove.
        if gone || repo::get(&mut conn, m.id).await?.is_none() {
            self.state.blobs.delete_all(&BlobKey::upload_prefix(m.id.uuid())).await.map_err(storage)?;
        }
        Ok(())
    }
}
