//! Where decode passes run: each on a thread of its own at a lower scheduling priority (nice
//! 10), so on a small machine the chat's threads (HTTP workers, room shards) win the cores
//! while a track is processed; `tracks.processing_concurrency` permits (the caller's
//! semaphore) bound how many run at once.

use super::probe::{self, Limits, ProbeError, Probed};
use super::sniff::Container;
use std::path::PathBuf;

/// How nice decode threads are (0 normal, 19 the least urgent).
const NICENESS: i32 = 10;

/// Decodes `path` on a fresh low-priority thread; `None` if the thread could not run.
pub async fn decode(
    path: PathBuf,
    size: u64,
    container: Container,
    limits: Limits,
) -> Option<Result<Probed, ProbeError>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("veza-decode".into()).spawn(move || {
        lower_priority();
        let _ = tx.send(probe::probe(&path, size, container, &limits));
    });
    spawned.ok()?;
    rx.await.ok()
}

/// This thread only (Linux schedules threads as tasks: `setpriority` on the thread's id).
fn lower_priority() {
    // SAFETY: gettid and setpriority only read their arguments; failing leaves the priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, NICENESS);
    }
}
