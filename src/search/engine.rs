//! A parsed query run against the index: every word must match (exactly, within its typo
//! allowance, or as a prefix while typed) in the title, tags or body; phrases must match
//! exactly; exclusions must not; only what the viewer may see, minus hidden owners.
//! Ranking is tiered, the way Meilisearch orders its rules: a constant per field a word matched
//! in, exact words worth twice a typo or prefix (so fewer typos first, then title over tags over
//! body), BM25 inside a tier, and a mild log of popularity on top.

use super::changes::Kind;
use super::documents::access_term;
use super::index::{IndexError, SearchStore};
use super::query::Parsed;
use super::schema::{Fields, PUBLIC};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocId, Score, SegmentReader, TantivyDocument, Term};
use uuid::Uuid;

/// Field weights: title over tags over body.
type FieldOf = fn(&Fields) -> Field;
const FIELDS: [(FieldOf, f32); 3] = [(|f| f.title, 3.0), (|f| f.tags, 2.0), (|f| f.body, 1.0)];
/// What a field match is worth, times the field's weight: exact, and fuzzy or prefix. BM25
/// (times the weight, rarely above 10) orders documents within these tiers.
const EXACT_TIER: f32 = 20.0;
const LOOSE_TIER: f32 = 10.0;

/// Who asks, and what they must not see.
#[derive(Debug, Clone, Default)]
pub struct Audience {
    pub viewer: Option<Uuid>,
    /// Users blocked either way, whose documents (and profiles) are hidden.
    pub hidden: Vec<Uuid>,
}

/// One result: the entity and the stored text highlights are cut from.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: Uuid,
    pub score: f32,
    pub title: String,
    pub tags: Vec<String>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// Everything that matched, not only this page.
    pub total: usize,
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn boxed(q: impl Query + 'static) -> Box<dyn Query> {
    Box::new(q)
}

fn any(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    boxed(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// One word over the weighted fields: exact, fuzzy within its allowance, prefix while typed.
fn word(f: &Fields, w: &super::query::Word) -> Box<dyn Query> {
    let mut clauses = Vec::new();
    for (field, weight) in FIELDS {
        let t = term(field(f), &w.term);
        let exact = || boxed(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs));
        clauses.push(boxed(ConstScoreQuery::new(exact(), weight * EXACT_TIER)));
        clauses.push(boxed(BoostQuery::new(exact(), weight)));
        // (fuzzy and prefix queries score a constant: their boost)
        if w.typos > 0 {
            clauses.push(boxed(BoostQuery::new(
                boxed(FuzzyTermQuery::new(t.clone(), w.typos, true)),
                weight * LOOSE_TIER,
            )));
        }
        if w.prefix {
            clauses
                .push(boxed(BoostQuery::new(boxed(FuzzyTermQuery::new_prefix(t, w.typos, true)), weight * LOOSE_TIER)));
        }
    }
    any(clauses)
}

/// Terms that follow each other in one of the fields (a single term: that exact word).
fn phrase(f: &Fields, terms: &[String]) -> Box<dyn Query> {
    let clauses = FIELDS
        .iter()
        .map(|(field, weight)| {
            let field = field(f);
            let q = match terms {
                [one] => boxed(TermQuery::new(term(field, one), IndexRecordOption::WithFreqs)),
                _ => boxed(PhraseQuery::new(terms.iter().map(|t| term(field, t)).collect())),
            };
            boxed(ConstScoreQuery::new(q, weight * EXACT_TIER))
        })
        .collect();
    any(clauses)
}

/// The whole query: what must match, what must not, and who may see it.
pub fn build(f: &Fields, q: &Parsed, kinds: &[Kind], who: &Audience) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for w in &q.words {
        clauses.push((Occur::Must, word(f, w)));
    }
    for p in q.phrases.iter().filter(|p| !p.is_empty()) {
        clauses.push((Occur::Must, phrase(f, p)));
    }
    for x in q.excluded.iter().filter(|x| !x.is_empty()) {
        clauses.push((Occur::MustNot, phrase(f, x)));
    }
    let kinds = kinds.iter().map(|k| boxed(TermQuery::new(term(f.kind, k.as_str()), IndexRecordOption::Basic)));
    clauses.push((Occur::Must, any(kinds.collect())));
    let mut access = vec![boxed(TermQuery::new(term(f.access, PUBLIC), IndexRecordOption::Basic))];
    if let Some(v) = who.viewer {
        access.push(boxed(TermQuery::new(term(f.access, &access_term(v)), IndexRecordOption::Basic)));
    }
    clauses.push((Occur::Must, any(access)));
    for h in &who.hidden {
        clauses.push((Occur::MustNot, boxed(TermQuery::new(term(f.owner, &h.to_string()), IndexRecordOption::Basic))));
    }
    boxed(BooleanQuery::new(clauses))
}

/// Runs `query`: `limit` hits after `offset`, best first, and how many matched in all.
pub fn run(store: &SearchStore, query: &dyn Query, limit: usize, offset: usize) -> Result<Found, IndexError> {
    let searcher = store.searcher();
    let top = TopDocs::with_limit(limit.max(1)).and_offset(offset).tweak_score(popularity);
    let (top, total) = searcher.search(query, &(top, Count))?;
    let f = &store.fields;
    let mut hits = Vec::with_capacity(top.len());
    for (score, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let Some((kind, id)) =
            text(f.key).split_once(':').and_then(|(k, id)| Some((Kind::parse(k)?, id.parse().ok()?)))
        else {
            continue;
        };
        let tags = doc.get_all(f.tags).filter_map(|v| v.as_str().map(str::to_owned)).collect();
        hits.push(Hit { kind, id, score, title: text(f.title), tags, body: text(f.body) });
    }
    Ok(Found { hits, total })
}

/// The relevance score, times a mild log of the document's popularity.
fn popularity(segment: &SegmentReader) -> impl Fn(DocId, Score) -> Score + use<> {
    let column = segment.fast_fields().f64("popularity").ok().map(|c| c.first_or_default_col(0.0));
    move |doc, score| {
        let p = column.as_ref().map_or(0.0, |c| c.get_val(doc)).max(0.0);
        score * (1.0 + 0.04 * (p as f32).ln_1p())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::model::{Access, Doc};
    use crate::search::query::{Rules, parse};

    struct Fixture {
        store: SearchStore,
        dir: std::path::PathBuf,
        ids: std::collections::HashMap<&'static str, Uuid>,
        ann: Uuid,
        eve: Uuid,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn fixture() -> Fixture {
        let dir = std::env::temp_dir().join(format!("veza-engine-{}", Uuid::now_v7()));
        let (store, _) = SearchStore::open(&dir, Uuid::now_v7()).unwrap_or_else(|e| panic!("{e}"));
        let mut w = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
        let (ann, eve) = (Uuid::now_v7(), Uuid::now_v7());
        type Row<'a> = (&'a str, Kind, &'a str, &'a [&'a str], &'a str, Option<Uuid>, f64);
        let rows: [Row; 8] = [
            (
                "moog",
                Kind::Listing,
                "Moog Minimoog Model D synthesizer",
                &["vintage", "analog"],
                "Classic monophonic synth",
                None,
                0.0,
            ),
            ("juno", Kind::Listing, "Roland Juno 60", &["synthesizer"], "Polyphonic, like new", None, 0.0),
            ("cafe", Kind::Track, "Café del Mar", &[], "ambient chillout", None, 3.0),
            ("draft", Kind::Listing, "Secret prototype synthesizer", &[], "", Some(ann), 0.0),
            ("bob", Kind::User, "bob drummer", &[], "plays in a band", None, 0.0),
            ("room", Kind::Room, "Synthesizer lovers", &[], "", None, 500.0),
            ("broken", Kind::Listing, "Broken synthesizer for parts", &[], "", None, 0.0),
            ("rolandx", Kind::Listing, "Rolandx keyboard", &[], "", None, 0.0),
        ];
        let mut ids = std::collections::HashMap::new();
        for (name, kind, title, tags, body, only, popularity) in rows {
            let id = Uuid::now_v7();
            ids.insert(name, id);
            let owner = if name == "broken" { eve } else { Uuid::now_v7() };
            let doc = Doc {
                kind,
                id,
                title: title.into(),
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                body: body.into(),
                access: only.map_or(Access::Everyone, |u| Access::Only(vec![u])),
                owner: Some(owner),
                popularity,
                created: chrono::Utc::now(),
                listing: None,
            };
            w.upsert(&doc).unwrap_or_else(|e| panic!("{e}"));
        }
        w.commit(Uuid::nil(), 1).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        Fixture { store, dir, ids, ann, eve }
    }

    impl Fixture {
        fn find(&self, q: &str, kinds: &[Kind], who: &Audience) -> Vec<&'static str> {
            let parsed = parse(q, &Rules::default()).unwrap_or_else(|e| panic!("{q}: {e}"));
            let query = build(&self.store.fields, &parsed, kinds, who);
            let found = run(&self.store, query.as_ref(), 20, 0).unwrap_or_else(|e| panic!("{e}"));
            found
                .hits
                .iter()
                .filter_map(|h| self.ids.iter().find(|(_, id)| **id == h.id).map(|(name, _)| *name))
                .collect()
        }

        fn anyone(&self, q: &str) -> Vec<&'static str> {
            self.find(q, &Kind::ALL, &Audience::default())
        }
    }

    #[test]
    fn fields_weigh_and_exact_beats_fuzzy() {
        let f = fixture();
        let listings = f.find("synthesizer ", &[Kind::Listing], &Audience::default());
        let pos = |n: &str| listings.iter().position(|x| *x == n).unwrap_or(usize::MAX);
        assert!(pos("moog") < pos("juno"), "a title match ranks over a tag match: {listings:?}");
        assert_eq!(f.anyone("roland "), ["juno", "rolandx"], "the exact word first, the typo after");
    }

    #[test]
    fn typos_by_length_prefixes_and_accents() {
        let f = fixture();
        assert_eq!(f.anyone("minimog "), ["moog"], "8 letters: one typo");
        assert_eq!(f.anyone("minimogg "), ["moog"]);
        assert!(f.anyone("jnuo ").is_empty(), "4 letters: no typo");
        assert!(f.anyone("rxlxnd ").is_empty(), "6 letters: not two typos");
        assert_eq!(f.anyone("monofhnic "), ["moog"], "9 letters and more: two typos");
        assert_eq!(f.anyone("polyph"), ["juno"], "the last word as a prefix while typed");
        assert!(f.anyone("polyph ").is_empty(), "not once the word is finished");
        assert_eq!(f.anyone("cafe"), ["cafe"]);
        assert_eq!(f.anyone("CAFÉ "), ["cafe"]);
    }

    #[test]
    fn phrases_and_exclusions() {
        let f = fixture();
        assert_eq!(f.anyone("\"model d\""), ["moog"]);
        assert!(f.anyone("\"d model\"").is_empty());
        let found = f.anyone("synthesizer -broken");
        assert!(!found.contains(&"broken") && found.contains(&"moog"), "{found:?}");
    }

    #[test]
    fn privacy_kinds_and_hidden_owners() {
        let f = fixture();
        assert!(f.anyone("prototype").is_empty(), "a draft is not public");
        let ann = Audience { viewer: Some(f.ann), hidden: vec![] };
        assert_eq!(f.find("prototype", &Kind::ALL, &ann), ["draft"]);
        assert_eq!(f.find("synthesizer", &[Kind::Room], &Audience::default()), ["room"]);
        let blocked = Audience { viewer: None, hidden: vec![f.eve] };
        assert!(f.find("broken", &Kind::ALL, &blocked).is_empty(), "a hidden owner's documents");
        assert_eq!(f.anyone("broken"), ["broken"]);
    }
}
