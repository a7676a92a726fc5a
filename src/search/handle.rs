//! What the rest of the node sees of its search index: whether it is ready (else searches are
//! answered by PostgreSQL and `/health` says `building`), the open store for searchers, and the
//! indexer to ask for a node's own writes to show at once.

use super::changes::Kind;
use super::index::SearchStore;
use serde::Serialize;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
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

#[derive(Clone, Default)]
pub struct SearchHandle {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    state: AtomicU8,
    store: RwLock<Option<SearchStore>>,
    indexer: RwLock<Option<actix::Recipient<Refresh>>>,
}

impl SearchHandle {
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
    /// in its next search); the log brings it to the other nodes.
    pub async fn refresh(&self, entities: Vec<(Kind, Uuid)>) {
        let to = self.inner.indexer.read().ok().and_then(|i| i.clone());
        if let Some(to) = to {
            let _ = to.send(Refresh(entities)).await;
        }
    }
}
