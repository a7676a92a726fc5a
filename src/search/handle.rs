//! What the rest of the node sees of its search index: whether it is ready (else searches are
//! answered by PostgreSQL and `/health` says `building`), the open store for searchers, and the
//! indexer to ask for a node's own writes to show at once.

use super::answers::Answers;
use super::changes::Kind;
use super::generations::Generations;
use super::index::SearchStore;
use super::queries::QueryLog;
use super::segment_memo::SegmentMemo;
use super::view_cache::ViewCache;
use serde::Serialize;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use uuid::Uuid;

/// The index's state in `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IndexState {
    /// Being opened or built: searches are answered by PostgreSQL.
    Building,
    Ready,
    /// Could not open (its directory is locked or unwritable); PostgreSQL answers.
    Down,
}

/// Entities a node just wrote, to apply now.
#[derive(Debug, Clone, actix::Message)]
#[rtype(result = "()")]
pub struct Refresh(pub Vec<(Kind, Uuid)>);

/// Why a search job did not run.
#[derive(Debug, thiserror::Error)]
pub enum IndexBusy {
    /// Every search thread stayed busy until the deadline.
    #[error("every search thread is busy")]
    NoThread,
    #[error("search thread: {0}")]
    Failed(String),
}

/// The longest a write waits for its own refresh.
const REFRESH_WAIT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct SearchHandle {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicU8,
    store: RwLock<Option<SearchStore>>,
    indexer: RwLock<Option<actix::Recipient<Refresh>>>,
    /// Searches running at once on blocking threads.
    permits: Arc<Semaphore>,
    /// This process's index instance: a cursor's generation means something only here.
    epoch: u64,
    /// Recent searchers, newest last, so a relevance cursor pages within its generation.
    generations: Arc<Generations>,
    /// `GET /listings` answers of the current generation.
    answers: Arc<Answers>,
    /// What searches read from segments that never change (`segment_memo.rs`).
    memo: Arc<SegmentMemo>,
    /// The rows results are shown from, following the index (`view_cache.rs`).
    views: Arc<ViewCache>,
    queries: QueryLog,
}

impl SearchHandle {
    /// `filter_shelf_min_listings`: `SearchConfig`'s.
    pub fn new(max_concurrent: usize, filter_shelf_min_listings: usize, queries: QueryLog) -> SearchHandle {
        SearchHandle {
            inner: Arc::new(Inner {
                state: AtomicU8::new(0),
                store: RwLock::new(None),
                indexer: RwLock::new(None),
                permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
                epoch: Uuid::new_v4().as_u64_pair().0 >> 12,
                generations: Arc::default(),
                answers: Arc::default(),
                memo: Arc::new(SegmentMemo::new(filter_shelf_min_listings)),
                views: Arc::default(),
                queries,
            }),
        }
    }

    pub fn permits(&self) -> Arc<Semaphore> {
        self.inner.permits.clone()
    }

    pub fn queries(&self) -> &QueryLog {
        &self.inner.queries
    }

    /// The rows search results are shown from, kept beside the index.
    pub fn views(&self) -> Arc<ViewCache> {
        self.inner.views.clone()
    }

    pub fn epoch(&self) -> u64 {
        self.inner.epoch
    }

    pub fn state(&self) -> IndexState {
        match self.inner.state.load(Ordering::Acquire) {
            1 => IndexState::Ready,
            2 => IndexState::Down,
            _ => IndexState::Building,
        }
    }

    pub(super) fn set_state(&self, s: IndexState) {
        let v = match s {
            IndexState::Building => 0,
            IndexState::Ready => 1,
            IndexState::Down => 2,
        };
        self.inner.state.store(v, Ordering::Release);
    }

    pub(super) fn set_store(&self, store: SearchStore) {
        if let Ok(mut s) = self.inner.store.write() {
            *s = Some(store);
        }
    }

    pub fn set_indexer(&self, to: actix::Recipient<Refresh>) {
        if let Ok(mut i) = self.inner.indexer.write() {
            *i = Some(to);
        }
    }

    /// Runs `job` against the index on a blocking thread, behind one of the search permits
    /// (waiting for one until `deadline`): `None` while the index is not ready.
    pub async fn with_index<T: Send + 'static>(
        &self,
        deadline: Instant,
        job: impl FnOnce(&dyn super::port::SearchIndex) -> T + Send + 'static,
    ) -> Option<Result<T, IndexBusy>> {
        let index = self.index()?;
        let permits = self.permits();
        let Ok(Ok(permit)) = tokio::time::timeout_at(deadline.into(), permits.acquire_owned()).await else {
            return Some(Err(IndexBusy::NoThread));
        };
        let job = actix_web::rt::task::spawn_blocking(move || {
            let _permit = permit;
            job(index.as_ref())
        });
        Some(job.await.map_err(|e| IndexBusy::Failed(e.to_string())))
    }

    /// The index to query, once it is ready.
    pub fn index(&self) -> Option<Arc<dyn super::port::SearchIndex>> {
        let store = self.store()?;
        Some(Arc::new(super::port::Tantivy {
            generations: self.inner.generations.clone(),
            answers: self.inner.answers.clone(),
            memo: self.inner.memo.clone(),
            store,
        }))
    }

    /// The store, once the index is ready.
    pub fn store(&self) -> Option<SearchStore> {
        if self.state() != IndexState::Ready {
            return None;
        }
        self.inner.store.read().ok()?.clone()
    }

    /// Documents searches see now.
    pub fn documents(&self) -> u64 {
        self.store().map_or(0, |s| s.len())
    }

    /// Applies `entities` on this node's index and waits for it (the caller's own write shows
    /// in its next search); the log brings it to the other nodes. Not while the index builds
    /// (PostgreSQL answers searches then), and never longer than `REFRESH_WAIT`: a write is
    /// not held up by a busy indexer, its change comes with the next tick anyway.
    pub async fn refresh(&self, entities: Vec<(Kind, Uuid)>) {
        if self.state() != IndexState::Ready {
            return;
        }
        let to = self.inner.indexer.read().ok().and_then(|i| i.clone());
        if let Some(to) = to {
            let _ = tokio::time::timeout(REFRESH_WAIT, to.send(Refresh(entities))).await;
        }
    }

    /// `refresh` of one entity.
    pub async fn wrote(&self, kind: Kind, id: Uuid) {
        self.refresh(vec![(kind, id)]).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_job_waits_for_a_search_thread_until_its_deadline_then_is_refused() {
        let dropped = prometheus::IntCounter::new("dropped", "test").unwrap_or_else(|e| panic!("{e}"));
        let (log, _rx) = QueryLog::channel(2, dropped);
        let handle = SearchHandle::new(1, 1, log);
        let soon = || Instant::now() + Duration::from_millis(50);
        assert!(handle.with_index(soon(), |_| ()).await.is_none(), "no index yet: PostgreSQL's turn");
        let dir = std::env::temp_dir().join(format!("veza-handle-{}", Uuid::now_v7()));
        let (store, _) = SearchStore::open(&dir, Uuid::nil()).unwrap_or_else(|e| panic!("{e}"));
        handle.set_store(store);
        handle.set_state(IndexState::Ready);
        assert!(matches!(handle.with_index(soon(), |_| 7).await, Some(Ok(7))));
        // The one thread taken: a job waits until its deadline, then is refused, not run.
        let held = handle.permits().try_acquire_owned().unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(handle.with_index(soon(), |_| 7).await, Some(Err(IndexBusy::NoThread))));
        drop(held);
        assert!(matches!(handle.with_index(soon(), |_| 7).await, Some(Ok(7))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
