//! Where decode passes run: each on a low-priority thread of its own (`infra::background`);
//! `tracks.processing_concurrency` permits (the caller's semaphore) bound how many run at once.

use super::probe::{self, Limits, ProbeError, Probed};
use super::sniff::Container;
use crate::infra::background;
use std::path::PathBuf;

/// Decodes `path` on a fresh low-priority thread; `None` if the thread could not run.
pub async fn decode(
    path: PathBuf,
    size: u64,
    container: Container,
    limits: Limits,
) -> Option<Result<Probed, ProbeError>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    background::spawn("veza-decode", move || {
        let _ = tx.send(probe::probe(&path, size, container, &limits));
    })
    .ok()?;
    rx.await.ok()
}
