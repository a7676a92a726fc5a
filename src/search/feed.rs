//! Keeping an index in step with PostgreSQL: a full build (every entity, then the log from the
//! horizon taken before it), then the change log applied batch by batch. Applying a change
//! reloads the entity and replaces its document, so a change applied twice changes nothing.

use super::changes::{self, Change, Kind, Tail};
use super::index::{IndexError, Mark, SearchStore, SearchWriter};
use super::model;
use super::repo;
use super::view_cache::ViewCache;
use diesel_async::AsyncPgConnection;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tantivy::{FutureResult, SegmentMeta};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("search feed: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("search feed: no database connection: {0}")]
    Pool(String),
}

/// Rows read from the log per batch, and entities loaded per query in a build.
const BATCH: i64 = 1000;

/// The writer side of one node's index.
pub struct Feed {
    pub store: SearchStore,
    writer: SearchWriter,
    tail: Tail,
    database: Uuid,
    rebuilt_for: i64,
    /// Rows kept for showing results: what a change reaches goes (`view_cache.rs`).
    views: Arc<ViewCache>,
}

impl Feed {
    pub fn new(store: SearchStore, writer: SearchWriter, database: Uuid, mark: Mark, views: Arc<ViewCache>) -> Feed {
        Feed { store, writer, tail: Tail::from(mark.done_below), database, rebuilt_for: mark.rebuilt_for, views }
    }

    /// The last reindex request this index was rebuilt for.
    pub fn rebuilt_for(&self) -> i64 {
        self.rebuilt_for
    }

    /// A rebuild for reindex request `request` (the next commit records it).
    pub async fn rebuild_for(&mut self, conn: &mut AsyncPgConnection, request: i64) -> Result<u64, FeedError> {
        self.rebuilt_for = self.rebuilt_for.max(request);
        self.build(conn).await
    }

    /// Starts merging the index into one segment (see `SearchWriter::merge_all`).
    pub fn merge_all(&mut self) -> Result<Option<FutureResult<Option<SegmentMeta>>>, FeedError> {
        Ok(self.writer.merge_all()?)
    }

    /// Deletes the files of merged segments.
    pub fn collect_garbage(&self) -> Result<(), FeedError> {
        Ok(self.writer.collect_garbage()?)
    }

    /// Everything below this transaction id is in the index (once committed).
    pub fn done_below(&self) -> i64 {
        self.tail.done_below()
    }

    /// Empties the index and loads every entity; the log is tailed from the horizon taken
    /// first, so a write that lands during the build is applied after it.
    pub async fn build(&mut self, conn: &mut AsyncPgConnection) -> Result<u64, FeedError> {
        let horizon = changes::horizon(conn).await?;
        self.writer.clear()?;
        let mut count = 0;
        for kind in Kind::ALL {
            let mut after = Uuid::nil();
            loop {
                let ids = repo::ids_after(conn, kind, after, BATCH).await?;
                let Some(last) = ids.last().copied() else { break };
                for doc in repo::load(conn, kind, &ids).await? {
                    self.writer.upsert(&doc)?;
                    count += 1;
                }
                after = last;
            }
        }
        self.tail = Tail::from(horizon);
        self.commit()?;
        // Rows kept while the build ran were never checked against the log: all go.
        self.views.clear();
        Ok(count)
    }

    /// Applies what the log holds now; commits and makes it visible when anything moved.
    /// Returns how many changes were applied.
    pub async fn catch_up(&mut self, conn: &mut AsyncPgConnection) -> Result<usize, FeedError> {
        let before = self.tail.done_below();
        let mut applied = 0;
        loop {
            let batch = self.tail.next(conn, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            applied += batch.len();
            self.apply(conn, &batch).await?;
        }
        if applied > 0 || self.tail.done_below() != before {
            self.commit()?;
        }
        Ok(applied)
    }

    /// Applies these entities now and makes them visible: the node that served a write shows
    /// it at once, without waiting for the log's horizon (the log applies it again, the same).
    pub async fn refresh(&mut self, conn: &mut AsyncPgConnection, entities: &[(Kind, Uuid)]) -> Result<(), FeedError> {
        let batch: Vec<Change> =
            entities.iter().map(|&(kind, entity)| Change { id: 0, xid: 0, kind, entity }).collect();
        self.apply(conn, &batch).await?;
        self.commit()
    }

    async fn apply(&mut self, conn: &mut AsyncPgConnection, batch: &[Change]) -> Result<(), FeedError> {
        let mut wanted: HashMap<Kind, BTreeSet<Uuid>> = HashMap::new();
        for c in batch {
            wanted.entry(c.kind).or_default().insert(c.entity);
        }
        // A user's status decides whether what they own shows too.
        if let Some(users) = wanted.get(&Kind::User) {
            let users: Vec<Uuid> = users.iter().copied().collect();
            for (kind, id) in repo::owned_by(conn, &users).await? {
                wanted.entry(kind).or_default().insert(id);
            }
        }
        for (kind, ids) in wanted {
            let ids: Vec<Uuid> = ids.into_iter().collect();
            self.views.changed(kind, &ids);
            let docs = repo::load(conn, kind, &ids).await?;
            let found: BTreeSet<Uuid> = docs.iter().map(|d| d.id).collect();
            for doc in &docs {
                self.writer.upsert(doc)?;
            }
            for id in ids.iter().filter(|id| !found.contains(id)) {
                self.writer.remove(&model::key(kind, *id));
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<(), FeedError> {
        self.writer
            .commit(self.database, Mark { done_below: self.tail.done_below(), rebuilt_for: self.rebuilt_for })?;
        self.store.reload()?;
        Ok(())
    }
}
