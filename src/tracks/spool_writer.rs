//! An upload's bytes written (and hashed) on a background thread of their own, fed in 256 KiB
//! batches through a channel of four: the HTTP worker only gathers what the socket gave, so
//! hashing and disk writes never delay chat frames, and at most ~1.5 MiB of an upload is in
//! memory at once. The file is created by the caller: if the upload is dropped, its path is
//! removed and the thread finishes on an unlinked file, leaving nothing behind.

use crate::infra::background;
use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Write};
use tokio::sync::{mpsc, oneshot};

/// Bytes gathered before they go to the writer thread.
const BATCH: usize = 256 * 1024;
/// Batches in flight to the thread (back-pressure on the upload beyond them).
const IN_FLIGHT: usize = 4;

/// What the thread reports when the last batch is on disk.
type Done = io::Result<Option<[u8; 32]>>;

pub struct SpoolWriter {
    tx: Option<mpsc::Sender<Bytes>>,
    done: oneshot::Receiver<Done>,
    batch: BytesMut,
}

impl SpoolWriter {
    /// Starts the thread that writes into `file` (and hashes what it writes when `hash`).
    pub fn start(file: File, hash: bool) -> io::Result<SpoolWriter> {
        let (tx, rx) = mpsc::channel::<Bytes>(IN_FLIGHT);
        let (done_tx, done) = oneshot::channel();
        background::spawn("veza-spool", move || {
            let _ = done_tx.send(write_all(file, rx, hash));
        })?;
        Ok(SpoolWriter { tx: Some(tx), done, batch: BytesMut::with_capacity(BATCH) })
    }

    /// Appends `chunk`; waits only when the thread is `IN_FLIGHT` batches behind.
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.batch.extend_from_slice(chunk);
        if self.batch.len() >= BATCH {
            self.send().await?;
        }
        Ok(())
    }

    /// Everything written and synced: the SHA-256 when hashing.
    pub async fn finish(mut self) -> io::Result<Option<[u8; 32]>> {
        if !self.batch.is_empty() {
            self.send().await?;
        }
        drop(self.tx.take());
        self.done.await.unwrap_or_else(|_| Err(io::Error::other("the spool thread stopped")))
    }

    async fn send(&mut self) -> io::Result<()> {
        let batch = self.batch.split().freeze();
        self.batch.reserve(BATCH);
        let sent = match &self.tx {
            Some(tx) => tx.send(batch).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The thread stopped early: its report says why.
        drop(self.tx.take());
        match (&mut self.done).await {
            Ok(Err(e)) => Err(e),
            _ => Err(io::Error::other("the spool thread stopped")),
        }
    }
}

fn write_all(mut file: File, mut rx: mpsc::Receiver<Bytes>, hash: bool) -> Done {
    let mut hasher = hash.then(Sha256::new);
    while let Some(batch) = rx.blocking_recv() {
        if let Some(h) = hasher.as_mut() {
            h.update(&batch);
        }
        file.write_all(&batch)?;
    }
    file.sync_data()?;
    Ok(hasher.map(|h| h.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("veza-spool-writer-{}", uuid::Uuid::now_v7()))
    }

    #[actix_web::test]
    async fn batches_reach_the_file_in_order_with_their_hash() {
        let path = temp();
        let file = File::create(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut w = SpoolWriter::start(file, true).unwrap_or_else(|e| panic!("{e}"));
        let body: Vec<u8> = (0..3 * BATCH + 777).map(|i| (i * 31 % 253) as u8).collect();
        for piece in body.chunks(10_007) {
            w.write(piece).await.unwrap_or_else(|e| panic!("{e}"));
        }
        let sha = w.finish().await.unwrap_or_else(|e| panic!("{e}"));
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        assert_eq!(on_disk, body);
        assert_eq!(sha, Some(<[u8; 32]>::from(Sha256::digest(&body))));
    }

    #[actix_web::test]
    async fn a_failing_disk_is_reported() {
        // /dev/full refuses every write with ENOSPC.
        let file = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap_or_else(|e| panic!("{e}"));
        let mut w = SpoolWriter::start(file, false).unwrap_or_else(|e| panic!("{e}"));
        let mut failed = false;
        for _ in 0..8 {
            if w.write(&[7u8; BATCH]).await.is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed || w.finish().await.is_err(), "ENOSPC must surface");
    }
}
