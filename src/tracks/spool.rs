//! An upload's bytes, from the request to a local temporary file: hashed (SHA-256) and counted as they arrive, the first bytes sniffed so a file that is
//! no audio is refused at its first chunk, past the size limit or the quota refused at once.
//! Never held whole in memory; the temporary file is removed on every failure (and on drop).
//! Hashing and writing happen on a background thread (`spool_writer.rs`).

use super::sniff::{Container, SNIFF_BYTES, sniff};
use super::spool_writer::SpoolWriter;
use bytes::Bytes;
use std::path::{Path, PathBuf};

/// Why a spool stopped.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the content is not audio Veza takes")]
    NotAudio,
    #[error("larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("past the storage quota")]
    OverQuota,
    #[error("the upload was cut off")]
    Interrupted,
    #[error("temporary storage failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A temporary file that removes itself unless kept.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A finished spool: the file, its hash, size and the container it starts like.
#[derive(Debug)]
pub struct Spooled {
    pub file: TempFile,
    pub sha256_hex: String,
    pub size: u64,
    pub container: Container,
}

/// Writes a stream of chunks to a fresh file in `dir`; `limit` bytes at most, and at most
/// `room` (what the owner's quota has left).
pub async fn spool<S, E>(dir: &Path, mut chunks: S, limit: u64, room: u64) -> Result<Spooled, SpoolError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
{
    use futures_util::StreamExt;
    tokio::fs::create_dir_all(dir).await?;
    let file = TempFile { path: dir.join(format!("upload-{}.part", uuid::Uuid::now_v7())), keep: false };
    let mut out = SpoolWriter::start(tokio::fs::File::create(&file.path).await?.into_std().await, true)?;
    let mut size = 0u64;
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut container = None;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| SpoolError::Interrupted)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(SpoolError::TooLarge { limit });
        }
        if size > room {
            return Err(SpoolError::OverQuota);
        }
        if container.is_none() {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == SNIFF_BYTES {
                container = Some(sniff(&head).ok_or(SpoolError::NotAudio)?);
            }
        }
        out.write(&chunk).await?;
    }
    let container = match container {
        Some(c) => c,
        None => sniff(&head).ok_or(SpoolError::NotAudio)?,
    };
    let sha = out.finish().await?.ok_or_else(|| std::io::Error::other("no hash"))?;
    Ok(Spooled { file, sha256_hex: hex::encode(sha), size, container })
}

/// A chunk of a resumable upload, spooled: its file, length and first bytes; `cut` when the
/// client stopped sending mid-way (what arrived is kept: the client resumes after it).
#[derive(Debug)]
pub struct Chunk {
    pub file: TempFile,
    pub len: u64,
    pub head: Vec<u8>,
    pub cut: bool,
}

/// Writes a chunk to a fresh file in `dir`, at most `limit` bytes (past it: `TooLarge`).
pub async fn spool_chunk<S, E>(dir: &Path, mut chunks: S, limit: u64) -> Result<Chunk, SpoolError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
{
    use futures_util::StreamExt;
    tokio::fs::create_dir_all(dir).await?;
    let file = TempFile { path: dir.join(format!("chunk-{}.part", uuid::Uuid::now_v7())), keep: false };
    let mut out = SpoolWriter::start(tokio::fs::File::create(&file.path).await?.into_std().await, false)?;
    let (mut len, mut head, mut cut) = (0u64, Vec::with_capacity(SNIFF_BYTES), false);
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            cut = true;
            break;
        };
        len += chunk.len() as u64;
        if len > limit {
            return Err(SpoolError::TooLarge { limit });
        }
        let take = (SNIFF_BYTES - head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..take]);
        out.write(&chunk).await?;
    }
    out.finish().await?;
    Ok(Chunk { file, len, head, cut })
}
