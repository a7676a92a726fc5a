//! Resumable upload types.

use crate::error::{DomainError, Fault};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::text::TextRule;

pub const FILENAME: TextRule = TextRule::line(1, 255);

/// Resumable uploads' failures beyond the shared ones.
#[derive(Debug, thiserror::Error)]
pub enum UploadFault {
    /// 409: the chunk does not start where the server's bytes end.
    #[error("the upload is at byte {server}: send Upload-Offset: {server}")]
    OffsetMismatch { server: i64 },
    /// 410.
    #[error("this upload has expired")]
    Expired,
    /// 409: finishing before every byte arrived.
    #[error("the upload has {offset} of its {size} bytes")]
    Incomplete { offset: i64, size: i64 },
    /// 422: the bytes are not the ones announced.
    #[error("the bytes' SHA-256 is not the one announced")]
    ChecksumMismatch,
    /// 413.
    #[error("the upload is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// 413.
    #[error("this upload would take your storage past {quota} bytes")]
    QuotaExceeded { quota: u64 },
    /// 415: the first bytes are no audio Veza takes.
    #[error("the content is not audio Veza takes (mp3, flac, ogg/vorbis, opus, wav, m4a)")]
    NotAudio,
    /// 415: a PATCH must be `application/offset+octet-stream`.
    #[error("a chunk is sent as application/offset+octet-stream")]
    ChunkType,
    /// 503.
    #[error("storage unavailable: {0}")]
    Storage(String),
}

impl Fault for UploadFault {}

pub type UploadError = DomainError<UploadFault>;

/// `POST /uploads` (API.md), or the same from tus headers (`Upload-Length`, `Upload-Metadata`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    /// Bytes the file has.
    #[schema(minimum = 1)]
    pub size: u64,
    pub filename: String,
    /// The file's SHA-256 (hex), checked when the upload finishes.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadView {
    pub id: Uuid,
    /// Bytes the server holds: the next chunk starts here.
    pub offset: i64,
    pub size: i64,
    pub expires_at: DateTime<Utc>,
}
