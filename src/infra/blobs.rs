//! The blob store port: where track audio and cover art live, on the `object_store` crate.
//! `file:///dir` (the default; one node, or every node on a shared mount) or `s3://bucket`
//! (any S3-speaking server: endpoint and credentials from `tracks.s3`). Blobs are
//! content-addressed (`ab/cd/<sha256>`) and written whole before they are named: the local
//! store writes a staging file and renames it, S3 completes a multipart upload (parts of 8 MiB,
//! above S3's 5 MiB minimum), so a reader never sees half a blob.

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// S3 part size: above the 5 MiB minimum, small enough to keep memory flat.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight at once while writing.
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no such blob")]
    NotFound,
    #[error("storage misconfigured: {0}")]
    Config(String),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => BlobError::NotFound,
            other => BlobError::Unavailable(other.to_string()),
        }
    }
}

impl From<std::io::Error> for BlobError {
    fn from(e: std::io::Error) -> Self {
        BlobError::Unavailable(e.to_string())
    }
}

/// Where S3 is and who we are to it (`tracks.s3`).
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Plain HTTP endpoints (a local S3 server): refused unless set.
    pub allow_http: bool,
}

/// A blob's address in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobKey(Path);

impl BlobKey {
    /// The key of the blob whose SHA-256 is `hex` (lowercase hex, 64 characters).
    pub fn for_sha256(hex: &str) -> Option<BlobKey> {
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        Some(BlobKey(Path::from(format!("{}/{}/{hex}", &hex[..2], &hex[2..4]))))
    }

    /// The part of resumable upload `upload` that starts at byte `offset` (parts sort by
    /// offset as names).
    pub fn upload_part(upload: uuid::Uuid, offset: u64) -> BlobKey {
        BlobKey(Path::from(format!("uploads/{upload}/{offset:020}")))
    }

    /// A cover derived from blob `sha256` (`name`: its size and extension, `256.jpg`).
    pub fn derived_cover(sha256: &str, name: &str) -> BlobKey {
        BlobKey(Path::from(format!("covers/{sha256}/{name}")))
    }

    /// Where the covers derived from blob `sha256` live.
    pub fn derived_prefix(sha256: &str) -> BlobKey {
        BlobKey(Path::from(format!("covers/{sha256}")))
    }

    /// Where the parts of resumable upload `upload` live.
    pub fn upload_prefix(upload: uuid::Uuid) -> BlobKey {
        BlobKey(Path::from(format!("uploads/{upload}")))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// The local root, when blobs are plain files: streams read them directly.
    local_root: Option<PathBuf>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore").field("store", &self.store.to_string()).finish()
    }
}

impl BlobStore {
    /// From `tracks.storage_url`: `file:///absolute/dir` (created if missing) or `s3://bucket`.
    pub fn open(url: &str, s3: &S3Settings) -> Result<BlobStore, BlobError> {
        let parsed = url::Url::parse(url).map_err(|e| BlobError::Config(format!("{url}: {e}")))?;
        match parsed.scheme() {
            "file" => {
                let dir = parsed.to_file_path().map_err(|_| BlobError::Config(format!("{url}: not a local path")))?;
                std::fs::create_dir_all(&dir)?;
                let fs = LocalFileSystem::new_with_prefix(&dir)?.with_automatic_cleanup(true);
                Ok(BlobStore { store: Arc::new(fs), local_root: Some(dir) })
            }
            "s3" => {
                let bucket = parsed.host_str().ok_or_else(|| BlobError::Config(format!("{url}: no bucket")))?;
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    b = b.with_endpoint(endpoint);
                }
                Ok(BlobStore { store: Arc::new(b.build()?), local_root: None })
            }
            other => Err(BlobError::Config(format!("{url}: unknown scheme {other} (file or s3)"))),
        }
    }

    /// The blob as a local file, when the store is the local filesystem.
    pub fn local_path(&self, key: &BlobKey) -> Option<PathBuf> {
        self.local_root.as_ref().map(|root| root.join(key.as_str()))
    }

    /// Copies a local file into the store under `key`, in parts, without reading it whole.
    pub async fn put_file(&self, key: &BlobKey, file: &std::path::Path) -> Result<(), BlobError> {
        let mut f = tokio::fs::File::open(file).await?;
        let upload = self.store.put_multipart(&key.0).await?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match f.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = w.abort().await;
                    return Err(e.into());
                }
            };
            if let Err(e) = w.wait_for_capacity(PARTS_IN_FLIGHT).await {
                let _ = w.abort().await;
                return Err(e.into());
            }
            w.write(&buf[..n]);
        }
        w.finish().await?;
        Ok(())
    }

    /// Stores the file at `file` under `key`, taking the file: on the local store it is moved
    /// into place (a rename, or a copy to a staging name and a rename across file systems), so
    /// a 200 MiB upload is not copied; on S3 it is uploaded in parts and left for its owner.
    pub async fn adopt_file(&self, key: &BlobKey, file: &std::path::Path) -> Result<(), BlobError> {
        let Some(dest) = self.local_path(key) else {
            return self.put_file(key, file).await;
        };
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        if tokio::fs::rename(file, &dest).await.is_ok() {
            return Ok(());
        }
        let staging = dest.with_extension(format!("staging-{}", uuid::Uuid::now_v7()));
        let copied = tokio::fs::copy(file, &staging).await;
        let renamed = match copied {
            Ok(_) => tokio::fs::rename(&staging, &dest).await,
            Err(e) => Err(e),
        };
        if let Err(e) = renamed {
            let _ = tokio::fs::remove_file(&staging).await;
            return Err(e.into());
        }
        Ok(())
    }

    /// Stores small bytes (cover art) under `key` in one request.
    pub async fn put_bytes(&self, key: &BlobKey, bytes: Bytes) -> Result<(), BlobError> {
        self.store.put(&key.0, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The blob's size, if it is there.
    pub async fn size(&self, key: &BlobKey) -> Result<Option<u64>, BlobError> {
        match self.store.head(&key.0).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn exists(&self, key: &BlobKey) -> Result<bool, BlobError> {
        match self.store.head(&key.0).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Bytes `range` of the blob (end exclusive).
    pub async fn read_range(&self, key: &BlobKey, range: Range<u64>) -> Result<Bytes, BlobError> {
        Ok(self.store.get_range(&key.0, range).await?)
    }

    /// The blobs under `prefix`, sorted by key, with their sizes.
    pub async fn list(&self, prefix: &BlobKey) -> Result<Vec<(BlobKey, u64)>, BlobError> {
        use futures_util::TryStreamExt;
        let mut out: Vec<(BlobKey, u64)> =
            self.store.list(Some(&prefix.0)).map_ok(|m| (BlobKey(m.location), m.size)).try_collect().await?;
        out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        Ok(out)
    }

    /// The whole blob as a stream of chunks (never held whole).
    pub async fn read_stream(
        &self,
        key: &BlobKey,
    ) -> Result<futures_util::stream::BoxStream<'static, Result<Bytes, BlobError>>, BlobError> {
        use futures_util::StreamExt;
        let got = self.store.get(&key.0).await?;
        Ok(got.into_stream().map(|r| r.map_err(BlobError::from)).boxed())
    }

    /// Removes every blob under `prefix`.
    pub async fn delete_all(&self, prefix: &BlobKey) -> Result<(), BlobError> {
        for (key, _) in self.list(prefix).await? {
            self.delete(&key).await?;
        }
        Ok(())
    }

    /// Removes the blob; one already gone is not an error.
    pub async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.store.delete(&key.0).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fanned_out_by_hash_and_only_for_hashes() {
        let hex = "ab".repeat(32);
        assert_eq!(BlobKey::for_sha256(&hex).map(|k| k.as_str().to_owned()), Some(format!("ab/ab/{hex}")));
        assert!(BlobKey::for_sha256("../etc/passwd").is_none());
        assert!(BlobKey::for_sha256(&"AB".repeat(32)).is_none(), "lowercase only");
        assert!(BlobKey::for_sha256(&"ab".repeat(31)).is_none());
    }

    #[tokio::test]
    async fn a_local_store_keeps_reads_ranges_and_deletes_blobs() {
        let dir = std::env::temp_dir().join(format!("veza-blobs-{}", uuid::Uuid::now_v7()));
        let url = format!("file://{}", dir.display());
        let Ok(store) = BlobStore::open(&url, &S3Settings::default()) else { panic!("open {url}") };
        // Larger than one part, not a multiple of the read buffer.
        let body: Vec<u8> = (0..(PART_BYTES + 300_001)).map(|i| (i % 251) as u8).collect();
        let src = dir.join("upload.tmp");
        std::fs::write(&src, &body).unwrap_or_else(|e| panic!("{e}"));
        let Some(key) = BlobKey::for_sha256(&"0f".repeat(32)) else { panic!("key") };
        assert!(!store.exists(&key).await.unwrap_or(true));
        store.put_file(&key, &src).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(store.exists(&key).await.unwrap_or(false));
        let local = store.local_path(&key).unwrap_or_default();
        assert_eq!(std::fs::read(&local).unwrap_or_default(), body, "stored whole, under its key");
        let part = store.read_range(&key, 1000..1010).await.unwrap_or_default();
        assert_eq!(&part[..], &body[1000..1010]);
        store.delete(&key).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(!store.exists(&key).await.unwrap_or(true));
        store.delete(&key).await.unwrap_or_else(|e| panic!("deleting twice: {e}"));
        assert!(matches!(store.read_range(&key, 0..1).await, Err(BlobError::NotFound)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unknown_schemes_and_bad_urls_are_configuration_errors() {
        let s3 = S3Settings::default();
        assert!(matches!(BlobStore::open("ftp://x", &s3), Err(BlobError::Config(_))));
        assert!(matches!(BlobStore::open("not a url", &s3), Err(BlobError::Config(_))));
    }
}
