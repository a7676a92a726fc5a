//! What every search reads again from a segment that never changes: which of its documents
//! are restricted, its id and popularity columns, and which of its terms a word expands to. A segment is immutable (deletes
//! live in a separate bitset), so each answer holds for the segment's whole life: a commit adds
//! segments and only those are read afresh. Entries of segments merged away are dropped when
//! new ones arrive. Reading them per search cost more than the search itself at a million
//! documents (tens of thousands of drafts' postings, a Levenshtein automaton per segment).

use super::active_listings::ActiveShelf;
use super::changes::Kind;
use super::filter_shelves::FilterShelves;
use super::index::IndexError;
use super::query::Word;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocAddress, DocId, DocSet, Searcher, SegmentReader, TERMINATED, Term};
use uuid::Uuid;

/// Expansions kept per segment and word: the most frequent this many (four times what a search
/// keeps, so the merge over segments picks the same few).
const TERMS_PER_SEGMENT: usize = 200;
/// Words kept; past this the memo forgets the words of segments gone, then everything. At most
/// ~8 MB (2,048 words x 200 terms), whatever queries arrive.
const MAX_WORDS: usize = 2048;

/// A segment's documents holding the `restricted` term.
pub struct Restricted {
    pub docs: BitSet,
    pub count: u32,
    /// How many of them are of each kind (by `Kind::index`): a count that needs only to beat a
    /// bound subtracts its own kind's, not every kind's.
    pub per_kind: [u32; 4],
}

/// A word's matches in one segment: terms (not the word itself) with their document counts.
pub type SegmentTerms = Arc<Vec<(Vec<u8>, u32)>>;

#[derive(Clone, PartialEq, Eq, Hash)]
struct WordKey {
    segment: SegmentId,
    field: Field,
    term: String,
    typos: u8,
    prefix: bool,
}

/// A segment's columns a search reads per hit (opening one decodes its block index).
pub struct Columns {
    pub popularity: Option<Column<f64>>,
    id: Option<(Column<u64>, Column<u64>)>,
}

impl Columns {
    /// The document's id halves (0 where missing, like the keyset collector).
    pub fn id_halves(&self, doc: DocId) -> (u64, u64) {
        self.id.as_ref().map_or((0, 0), |(hi, lo)| (hi.first(doc).unwrap_or(0), lo.first(doc).unwrap_or(0)))
    }

    /// The document's entity id (`id_hi`, `id_lo`).
    pub fn id(&self, doc: DocId) -> Option<Uuid> {
        let (hi, lo) = self.id.as_ref()?;
        Some(Uuid::from_u64_pair(hi.first(doc)?, lo.first(doc)?))
    }
}

pub struct SegmentMemo {
    restricted: Mutex<HashMap<SegmentId, Arc<Restricted>>>,
    columns: Mutex<HashMap<SegmentId, Arc<Columns>>>,
    words: Mutex<HashMap<WordKey, SegmentTerms>>,
    holds: Mutex<HashMap<(SegmentId, Field), bool>>,
    /// Active listings by price and newest first (`active_listings.rs`).
    pub active: ActiveShelf,
    /// The same for narrowings asked again (`filter_shelves.rs`).
    pub filtered: FilterShelves,
}

impl SegmentMemo {
    /// Narrowings get shelves of their own from `filter_min_listings` listings in a segment.
    pub fn new(filter_min_listings: usize) -> SegmentMemo {
        SegmentMemo {
            restricted: Mutex::default(),
            columns: Mutex::default(),
            words: Mutex::default(),
            holds: Mutex::default(),
            active: ActiveShelf::default(),
            filtered: FilterShelves::with_min_listings(filter_min_listings),
        }
    }

    /// `reader`'s columns.
    pub fn columns(&self, searcher: &Searcher, reader: &SegmentReader) -> Arc<Columns> {
        let id = reader.segment_id();
        if let Some(c) = self.columns.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return c;
        }
        let fast = reader.fast_fields();
        let c = Arc::new(Columns {
            popularity: fast.f64("popularity").ok(),
            id: fast.u64("id_hi").ok().zip(fast.u64("id_lo").ok()),
        });
        if let Ok(mut m) = self.columns.lock() {
            let live = live_segments(searcher);
            m.retain(|s, _| live.contains(s));
            m.insert(id, c.clone());
        }
        c
    }

    /// Whether `reader` holds any term of `field` (a small segment may hold one kind only).
    pub fn holds(&self, searcher: &Searcher, reader: &SegmentReader, field: Field) -> bool {
        let key = (reader.segment_id(), field);
        if let Some(h) = self.holds.lock().ok().and_then(|m| m.get(&key).copied()) {
            return h;
        }
        // An error reading the dictionary: walk it, and let the walk report the error.
        let h = reader.inverted_index(field).map_or(true, |i| i.terms().num_terms() > 0);
        if let Ok(mut m) = self.holds.lock() {
            if !m.contains_key(&key) {
                let live = live_segments(searcher);
                m.retain(|(s, _), _| live.contains(s));
            }
            m.insert(key, h);
        }
        h
    }

    /// The entity id of the document at `addr`.
    pub fn id_of(&self, searcher: &Searcher, addr: DocAddress) -> Option<Uuid> {
        self.columns(searcher, searcher.segment_reader(addr.segment_ord)).id(addr.doc_id)
    }

    /// The documents of `reader` holding `term` (the restricted marker).
    pub fn restricted(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        term: &Term,
    ) -> Result<Arc<Restricted>, IndexError> {
        let id = reader.segment_id();
        if let Some(r) = self.restricted.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(r);
        }
        let mut docs = BitSet::with_max_value(reader.max_doc());
        let holding = postings(reader, term)?;
        for d in &holding {
            docs.insert(*d);
        }
        let count = u32::try_from(holding.len()).unwrap_or(u32::MAX);
        let per_kind = per_kind(reader, &holding).unwrap_or([count; 4]);
        let r = Arc::new(Restricted { docs, count, per_kind });
        if let Ok(mut m) = self.restricted.lock() {
            let live = live_segments(searcher);
            m.retain(|s, _| live.contains(s));
            m.insert(id, r.clone());
        }
        Ok(r)
    }

    /// The terms of `field` in `reader` that match `word` within its typos or as a prefix
    /// (`fuzzy` is the word's query; its automaton is built only when the segment is new).
    pub fn expansions(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        field: Field,
        word: &Word,
        fuzzy: &FuzzyTermQuery,
    ) -> Result<SegmentTerms, IndexError> {
        let key = WordKey {
            segment: reader.segment_id(),
            field,
            term: word.term.clone(),
            typos: word.typos,
            prefix: word.prefix,
        };
        if let Some(t) = self.words.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(t);
        }
        let inverted = reader.inverted_index(field)?;
        let mut stream = inverted.terms().search(fuzzy.automaton()?).into_stream()?;
        let mut terms = Vec::new();
        while stream.advance() {
            if stream.key() != word.term.as_bytes() {
                terms.push((stream.key().to_vec(), stream.value().doc_freq));
            }
        }
        terms.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        terms.truncate(TERMS_PER_SEGMENT);
        let terms = Arc::new(terms);
        if let Ok(mut m) = self.words.lock() {
            if m.len() >= MAX_WORDS {
                let live = live_segments(searcher);
                m.retain(|k, _| live.contains(&k.segment));
                if m.len() >= MAX_WORDS {
                    m.clear();
                }
            }
            m.insert(key, terms.clone());
        }
        Ok(terms)
    }
}

/// How many of `docs` are of each kind, from the `kind` column; `None` without one.
fn per_kind(reader: &SegmentReader, docs: &[DocId]) -> Option<[u32; 4]> {
    let kinds = reader.fast_fields().str("kind").ok()??;
    let mut name = String::new();
    let kind_of: Vec<Option<usize>> = (0..kinds.num_terms() as u64)
        .map(|ord| {
            name.clear();
            let found = kinds.ord_to_str(ord, &mut name).unwrap_or(false);
            found.then(|| Kind::ALL.iter().position(|k| k.as_str() == name)).flatten()
        })
        .collect();
    let mut counts = [0u32; 4];
    for d in docs {
        for ord in kinds.term_ords(*d) {
            if let Some(Some(i)) = kind_of.get(ord as usize) {
                counts[*i] += 1;
            }
        }
    }
    Some(counts)
}

/// The documents holding `term` in `reader`, in order.
pub fn postings(reader: &SegmentReader, term: &Term) -> Result<Vec<DocId>, IndexError> {
    let mut docs = Vec::new();
    if let Some(mut p) = reader.inverted_index(term.field())?.read_postings(term, IndexRecordOption::Basic)? {
        let mut d = p.doc();
        while d != TERMINATED {
            docs.push(d);
            d = p.advance();
        }
    }
    Ok(docs)
}

fn live_segments(searcher: &Searcher) -> HashSet<SegmentId> {
    searcher.segment_readers().iter().map(SegmentReader::segment_id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::{Mark, SearchStore};
    use crate::search::model::{Access, Doc};

    fn doc(title: &str, access: Access) -> Doc {
        Doc {
            kind: Kind::Track,
            id: Uuid::now_v7(),
            title: title.into(),
            tags: vec![],
            body: String::new(),
            access,
            owner: None,
            popularity: 0.0,
            created: chrono::Utc::now(),
            listing: None,
        }
    }

    #[test]
    fn a_segment_is_read_once_and_a_new_segment_is_read_afresh() {
        let dir = std::env::temp_dir().join(format!("veza-memo-{}", Uuid::now_v7()));
        let (store, _) = SearchStore::open(&dir, Uuid::nil()).unwrap_or_else(|e| panic!("{e}"));
        let f = &store.fields;
        let mut w = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
        for d in [doc("guitars", Access::Everyone), doc("guitarist", Access::Only(vec![Uuid::now_v7()]))] {
            w.upsert(&d).unwrap_or_else(|e| panic!("{e}"));
        }
        w.commit(Uuid::nil(), Mark::default()).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        let memo = SegmentMemo::new(usize::MAX);
        let field = f.words[Kind::Track.index()];
        let word = Word { term: "guitar".into(), typos: 1, prefix: true };
        let fuzzy = FuzzyTermQuery::new_prefix(Term::from_field_text(field, "guitar"), 1, true);
        let restricted = Term::from_field_text(f.restricted, crate::search::schema::RESTRICTED);
        let searcher = store.searcher();
        let reader = &searcher.segment_readers()[0];
        let first = memo.expansions(&searcher, reader, field, &word, &fuzzy).unwrap_or_else(|e| panic!("{e}"));
        let terms: Vec<&[u8]> = first.iter().map(|(t, _)| t.as_slice()).collect();
        assert!(terms.contains(&&b"guitars"[..]) && terms.contains(&&b"guitarist"[..]), "{terms:?}");
        let again = memo.expansions(&searcher, reader, field, &word, &fuzzy).unwrap_or_else(|e| panic!("{e}"));
        assert!(Arc::ptr_eq(&first, &again), "read once per segment");
        let r = memo.restricted(&searcher, reader, &restricted).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.count, r.per_kind[Kind::Track.index()], r.per_kind[Kind::Listing.index()]), (1, 1, 0));
        assert!(memo.holds(&searcher, reader, field), "tracks here");
        assert!(!memo.holds(&searcher, reader, f.words[Kind::Listing.index()]), "no listing: not walked");
        // A commit adds a segment: it is read on its own; the first one's entry stays.
        w.upsert(&doc("guitarra", Access::Only(vec![Uuid::now_v7()]))).unwrap_or_else(|e| panic!("{e}"));
        w.commit(Uuid::nil(), Mark::default()).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        let searcher = store.searcher();
        let mut seen = Vec::new();
        for reader in searcher.segment_readers() {
            let t = memo.expansions(&searcher, reader, field, &word, &fuzzy).unwrap_or_else(|e| panic!("{e}"));
            seen.extend(t.iter().map(|(t, _)| String::from_utf8_lossy(t).into_owned()));
        }
        assert!(seen.iter().any(|t| t == "guitarra"), "{seen:?}");
        let restricted_now: u32 = searcher
            .segment_readers()
            .iter()
            .map(|r| memo.restricted(&searcher, r, &restricted).map_or(0, |x| x.count))
            .sum();
        assert_eq!(restricted_now, 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
