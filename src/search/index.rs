//! The node's tantivy index on disk: opened if it belongs to this database and has this schema,
//! else rebuilt from empty; one writer (the indexer's), any number of searchers. Every commit
//! records the change-log watermark it covers and the database it was built from.

use super::analyzer;
use super::documents::to_document;
use super::model::Doc;
use super::schema::Fields;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tantivy::schema::Schema;
use tantivy::{FutureResult, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentMeta, Term};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
}

/// tantivy's least writer budget (15 MB per thread; less is refused).
const MIN_BUDGET: usize = 15_000_000;

/// What a commit records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Payload {
    database: Uuid,
    done_below: i64,
    /// The last `search_meta.rebuild_requested` this index was rebuilt for.
    #[serde(default)]
    rebuilt_for: i64,
}

/// How far an index is: every change below `done_below` is in it, and it was rebuilt for
/// every request up to `rebuilt_for` (`veza search reindex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub done_below: i64,
    pub rebuilt_for: i64,
}

/// An open index and its reader.
#[derive(Clone)]
pub struct SearchStore {
    index: Index,
    reader: IndexReader,
    pub fields: Fields,
    dir: PathBuf,
}

/// How an index was found at open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// Built from this database, as far as the mark says.
    Current(Mark),
    /// Missing, from another database, or of another schema: now empty, to be built.
    Empty,
}

impl SearchStore {
    /// Opens the index in `dir` for `database`, or starts an empty one there.
    pub fn open(dir: &Path, database: Uuid) -> Result<(SearchStore, Opened), IndexError> {
        let (schema, fields) = Fields::schema();
        std::fs::create_dir_all(dir)?;
        if let Some((index, mark)) = existing(dir, &schema, database) {
            let store = SearchStore::with(index, fields, dir)?;
            return Ok((store, Opened::Current(mark)));
        }
        // Not ours: start over in place.
        std::fs::remove_dir_all(dir)?;
        std::fs::create_dir_all(dir)?;
        let index = Index::create_in_dir(dir, schema)?;
        Ok((SearchStore::with(index, fields, dir)?, Opened::Empty))
    }

    fn with(index: Index, fields: Fields, dir: &Path) -> Result<SearchStore, IndexError> {
        index.tokenizers().register(analyzer::NAME, analyzer::analyzer());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchStore { index, reader, fields, dir: dir.to_owned() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The writer (one per index: tantivy locks the directory), with `budget` bytes of memory.
    pub fn writer(&self, budget: usize) -> Result<SearchWriter, IndexError> {
        let budget = budget.max(MIN_BUDGET);
        let writer = self.index.writer_with_num_threads(1, budget)?;
        Ok(SearchWriter { writer, fields: self.fields.clone() })
    }

    /// What searches see now.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Makes the last commit visible to searches.
    pub fn reload(&self) -> Result<(), IndexError> {
        Ok(self.reader.reload()?)
    }

    /// Documents in the last visible commit.
    pub fn len(&self) -> u64 {
        self.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The index in `dir` and its watermark, if it was built from `database` with `schema`.
fn existing(dir: &Path, schema: &Schema, database: Uuid) -> Option<(Index, Mark)> {
    let index = Index::open_in_dir(dir).ok()?;
    if &index.schema() != schema {
        return None;
    }
    let payload: Payload = serde_json::from_str(index.load_metas().ok()?.payload.as_deref()?).ok()?;
    let mark = Mark { done_below: payload.done_below, rebuilt_for: payload.rebuilt_for };
    (payload.database == database).then_some((index, mark))
}

/// The one writer: replaces documents by key and commits them with their watermark.
pub struct SearchWriter {
    writer: IndexWriter,
    fields: Fields,
}

impl SearchWriter {
    /// `doc` in place of any document with its key.
    pub fn upsert(&mut self, doc: &Doc) -> Result<(), IndexError> {
        self.writer.delete_term(Term::from_field_text(self.fields.key, &doc.key()));
        self.writer.add_document(to_document(&self.fields, doc))?;
        Ok(())
    }

    /// The document with `key` gone.
    pub fn remove(&mut self, key: &str) {
        self.writer.delete_term(Term::from_field_text(self.fields.key, key));
    }

    /// Every document gone (a rebuild starts here).
    pub fn clear(&mut self) -> Result<(), IndexError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Starts merging every segment into one (after a full build: a search looks each of its
    /// terms up once per segment, and a build leaves a dozen). Runs on tantivy's merge threads;
    /// the handle says when it is done (none when there is nothing to merge). Later commits
    /// merge their small segments as usual.
    pub fn merge_all(&mut self) -> Result<Option<FutureResult<Option<SegmentMeta>>>, IndexError> {
        let ids = self.writer.index().searchable_segment_ids()?;
        // tantivy refuses (panics on) an empty merge.
        Ok((ids.len() > 1).then(|| self.writer.merge(&ids)))
    }

    /// Deletes the files no commit needs any more (those of merged segments).
    pub fn collect_garbage(&self) -> Result<(), IndexError> {
        self.writer.garbage_collect_files().wait()?;
        Ok(())
    }

    /// Durable, with what it covers; searches see it after `SearchStore::reload`.
    pub fn commit(&mut self, database: Uuid, mark: Mark) -> Result<(), IndexError> {
        let payload = Payload { database, done_below: mark.done_below, rebuilt_for: mark.rebuilt_for };
        let payload = serde_json::to_string(&payload).unwrap_or_default();
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::changes::Kind;
    use crate::search::model::Access;

    fn doc(title: &str) -> Doc {
        Doc {
            kind: Kind::Room,
            id: Uuid::now_v7(),
            title: title.into(),
            tags: vec![],
            body: String::new(),
            access: Access::Everyone,
            owner: None,
            popularity: 3.0,
            created: chrono::Utc::now(),
            listing: None,
        }
    }

    #[test]
    fn an_index_reopens_for_its_database_and_starts_over_for_another() {
        let dir = std::env::temp_dir().join(format!("veza-index-{}", Uuid::now_v7()));
        let (db, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (store, opened) = SearchStore::open(&dir, db).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(opened, Opened::Empty);
        let mut w = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
        let mut d = doc("jazz club");
        w.upsert(&d).unwrap_or_else(|e| panic!("{e}"));
        d.title = "jazz cellar".into();
        w.upsert(&d).unwrap_or_else(|e| panic!("{e}"));
        w.upsert(&doc("rock")).unwrap_or_else(|e| panic!("{e}"));
        w.commit(db, Mark { done_below: 42, rebuilt_for: 3 }).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.len(), 2, "an upsert replaces the document with its key");
        drop((w, store));

        let (store, opened) = SearchStore::open(&dir, db).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(opened, Opened::Current(Mark { done_below: 42, rebuilt_for: 3 }));
        assert_eq!(store.len(), 2);
        drop(store);

        let (store, opened) = SearchStore::open(&dir, other).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(opened, Opened::Empty);
        assert!(store.is_empty());
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn merging_after_a_build_leaves_one_segment_and_keeps_the_watermark() {
        let dir = std::env::temp_dir().join(format!("veza-merge-{}", Uuid::now_v7()));
        let db = Uuid::now_v7();
        let (store, _) = SearchStore::open(&dir, db).unwrap_or_else(|e| panic!("{e}"));
        let mut w = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
        assert!(w.merge_all().unwrap_or_else(|e| panic!("{e}")).is_none(), "nothing to merge");
        for (i, title) in ["jazz", "rock", "folk"].into_iter().enumerate() {
            w.upsert(&doc(title)).unwrap_or_else(|e| panic!("{e}"));
            w.commit(db, Mark { done_below: i as i64, rebuilt_for: 1 }).unwrap_or_else(|e| panic!("{e}"));
        }
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.searcher().segment_readers().len(), 3);
        let merging = w.merge_all().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("three segments"));
        merging.wait().unwrap_or_else(|e| panic!("{e}"));
        w.collect_garbage().unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.searcher().segment_readers().len(), 1);
        assert_eq!(store.len(), 3);
        drop((w, store));
        let (_, opened) = SearchStore::open(&dir, db).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(opened, Opened::Current(Mark { done_below: 2, rebuilt_for: 1 }), "the merge kept the payload");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
