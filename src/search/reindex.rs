//! `veza search reindex --offline`: a node's index rebuilt in this process, from PostgreSQL,
//! while no node holds it (tantivy's writer lock says when one does). Timed and measured, so
//! the benchmark's reindex figure comes from the same code a node runs at start.

use super::feed::{Feed, FeedError};
use super::index::{IndexError, Mark, SearchStore};
use super::indexer::meta;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct Rebuilt {
    pub dir: String,
    pub documents: u64,
    pub seconds: f64,
    pub bytes_on_disk: u64,
}

/// Bytes of the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => size_of(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Rebuilds the index in `dir` with a writer of `budget` bytes.
pub async fn offline(conn: &mut AsyncPgConnection, dir: &Path, budget: usize) -> Result<Rebuilt, FeedError> {
    let started = Instant::now();
    let meta = meta(conn).await?;
    let (store, _) = SearchStore::open(dir, meta.database_id)?;
    let writer = store.writer(budget)?;
    // Offline: no node shows results from this process, nothing is kept.
    let mut feed = Feed::new(store, writer, meta.database_id, Mark::default(), Default::default());
    let documents = feed.rebuild_for(conn, meta.rebuild_requested).await?;
    // One segment on disk: what a node opening this index searches fastest.
    if let Some(merging) = feed.merge_all()? {
        merging.wait().map_err(IndexError::from)?;
    }
    feed.collect_garbage()?;
    Ok(Rebuilt {
        dir: dir.display().to_string(),
        documents,
        seconds: started.elapsed().as_secs_f64(),
        bytes_on_disk: size_of(dir),
    })
}
