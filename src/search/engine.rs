//! A parsed query run against the index: every word must match (exactly, within its typo
//! allowance, or as a prefix while typed) in the title, tags or body; phrases must match
//! exactly; exclusions must not; only what the viewer may see, minus hidden owners.
//! Ranking is tiered, the way Meilisearch orders its rules: a constant per field a word matched
//! in, exact words worth twice a typo or prefix (so fewer typos first, then title over tags over
//! body), BM25 inside a tier, and a mild log of popularity on top.

use super::changes::Kind;
use super::collect::Ranked;
use super::documents::access_term;
use super::index::IndexError;
use super::query::Parsed;
use super::schema::{Fields, PUBLIC};
use super::segment_memo::SegmentMemo;
use std::time::Instant;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Score, Searcher, TantivyDocument, Term};
use uuid::Uuid;

/// Field weights: title over tags over body.
type FieldOf = fn(&Fields) -> Field;
pub type Weighted = [(FieldOf, f32)];
pub const ALL_FIELDS: &Weighted = &[(|f| f.title, 3.0), (|f| f.tags, 2.0), (|f| f.body, 1.0)];
/// Suggestions complete titles (names, for users and rooms) only.
pub const TITLES: &Weighted = &[(|f| f.title, 3.0)];
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
    /// Empty unless asked for (`Scope::Titles`).
    pub title: String,
}

/// One page of each kind asked for, and how many of each matched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// By `Kind::index`.
    pub hits: [Vec<Hit>; 4],
    pub counts: [u64; 4],
    /// The deadline cut the search short: what was found so far.
    pub partial: bool,
    /// By `Kind::index`: the count stopped counting there, a lower bound (`ranked.rs`).
    pub at_least: [bool; 4],
}

impl Found {
    pub fn of(&self, kind: Kind) -> &[Hit] {
        &self.hits[kind.index()]
    }
}

pub(super) fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

pub(super) fn boxed(q: impl Query + 'static) -> Box<dyn Query> {
    Box::new(q)
}

pub(super) fn any(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    boxed(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// One word over the weighted fields: exact, fuzzy within its allowance, prefix while typed.
fn word(f: &Fields, w: &super::query::Word, fields: &Weighted) -> Box<dyn Query> {
    let mut clauses = Vec::new();
    for &(field, weight) in fields {
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
fn phrase(f: &Fields, terms: &[String], fields: &Weighted) -> Box<dyn Query> {
    let clauses = fields
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
    build_in(f, q, kinds, who, ALL_FIELDS)
}

/// `build` over some of the fields.
pub fn build_in(f: &Fields, q: &Parsed, kinds: &[Kind], who: &Audience, fields: &Weighted) -> Box<dyn Query> {
    let mut clauses = text_clauses(f, q, fields);
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

/// What the text of a query asks: every word and phrase in `fields`, no exclusion anywhere.
pub fn text_clauses(f: &Fields, q: &Parsed, fields: &Weighted) -> Vec<(Occur, Box<dyn Query>)> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for w in &q.words {
        clauses.push((Occur::Must, word(f, w, fields)));
    }
    for p in q.phrases.iter().filter(|p| !p.is_empty()) {
        clauses.push((Occur::Must, phrase(f, p, fields)));
    }
    // An exclusion holds in every field, whichever are searched.
    for x in q.excluded.iter().filter(|x| !x.is_empty()) {
        clauses.push((Occur::MustNot, phrase(f, x, ALL_FIELDS)));
    }
    clauses
}

/// Which hits of each kind a search returns.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
    /// Read each hit's title (suggestions show them).
    pub titles: bool,
}

/// Runs `query` on `searcher`: for each of `kinds`, the page's hits, best first, and how many
/// matched in all, stopping at `deadline`.
pub fn run(
    (searcher, memo): (&Searcher, &SegmentMemo),
    f: &Fields,
    query: &dyn Query,
    kinds: &[Kind],
    page: Page,
    deadline: Instant,
) -> Result<Found, IndexError> {
    let Page { limit, offset, titles } = page;
    let ranking = searcher.search(query, &Ranked::new(kinds, offset + limit, deadline))?;
    let mut found = Found { counts: ranking.counts, partial: ranking.partial, ..Found::default() };
    for (kind, top) in Kind::ALL.into_iter().zip(&ranking.top) {
        for s in top.iter().skip(offset).take(limit) {
            if let Some(hit) = hit_at((searcher, memo), f, kind, s.addr, s.score, titles)? {
                found.hits[kind.index()].push(hit);
            }
        }
    }
    Ok(found)
}

/// The hit at `addr`, a document of `kind`: its id from the index's columns, its title from the
/// stored document only when asked (reading a stored document decompresses a block).
pub fn hit_at(
    (searcher, memo): (&Searcher, &SegmentMemo),
    f: &Fields,
    kind: Kind,
    addr: DocAddress,
    score: Score,
    titles: bool,
) -> Result<Option<Hit>, IndexError> {
    let Some(id) = memo.id_of(searcher, addr) else { return Ok(None) };
    let title = if titles {
        let doc: TantivyDocument = searcher.doc(addr)?;
        doc.get_first(f.title).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
    } else {
        String::new()
    };
    Ok(Some(Hit { kind, id, score, title }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::SearchStore;
    use crate::search::model::{Access, Doc};
    use crate::search::query::{Rules, parse};
    use std::time::Duration;

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
        w.commit(Uuid::nil(), crate::search::index::Mark::default()).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        Fixture { store, dir, ids, ann, eve }
    }

    impl Fixture {
        /// Through the port, as a node searches: words take the ranked path (`ranked.rs`),
        /// phrases and exclusions this module's.
        fn find(&self, q: &str, kinds: &[Kind], who: &Audience) -> Vec<&'static str> {
            let found = self.page(q, kinds, who, (20, 0));
            let mut hits: Vec<&Hit> = found.hits.iter().flatten().collect();
            hits.sort_by(|a, b| b.score.total_cmp(&a.score));
            hits.into_iter()
                .filter_map(|h| self.ids.iter().find(|(_, id)| **id == h.id).map(|(name, _)| *name))
                .collect()
        }

        fn page(&self, q: &str, kinds: &[Kind], who: &Audience, page: (usize, usize)) -> Found {
            use crate::search::port::{IndexQuery, Scope, SearchIndex, Tantivy};
            let parsed = parse(q, &Rules::default()).unwrap_or_else(|e| panic!("{q}: {e}"));
            let ask = IndexQuery {
                parsed,
                kinds: kinds.to_vec(),
                audience: who.clone(),
                scope: Scope::Everything,
                limit: page.0,
                offset: page.1,
                generation: None,
                deadline: Instant::now() + Duration::from_secs(5),
            };
            let port = Tantivy::on(self.store.clone());
            port.query(&ask).unwrap_or_else(|e| panic!("{e}")).found
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

    #[test]
    fn ranked_counts_per_kind_and_pages_that_neither_repeat_nor_skip() {
        let f = fixture();
        let all = f.page("synthesizer ", &Kind::ALL, &Audience::default(), (10, 0));
        assert_eq!(all.counts, [3, 0, 0, 1], "moog, juno, broken; the room");
        assert_eq!(all.at_least, [false; 4]);
        let mut paged = Vec::new();
        for offset in 0..4 {
            let page = f.page("synthesizer ", &[Kind::Listing], &Audience::default(), (1, offset));
            paged.extend(page.of(Kind::Listing).iter().map(|h| h.id));
        }
        let whole: Vec<Uuid> = all.of(Kind::Listing).iter().map(|h| h.id).collect();
        assert_eq!(paged, whole);
        // The exact tier, then the typos: "roland" exactly (juno) before "rolandx".
        let mut paged = Vec::new();
        for offset in 0..3 {
            let page = f.page("roland ", &[Kind::Listing], &Audience::default(), (1, offset));
            paged.extend(page.of(Kind::Listing).iter().map(|h| h.id));
        }
        assert_eq!(paged, [f.ids["juno"], f.ids["rolandx"]]);
    }

    #[test]
    fn counts_per_kind_pages_and_the_deadline() {
        let f = fixture();
        let parsed = parse("synthesizer ", &Rules::default()).unwrap_or_else(|e| panic!("{e}"));
        let query = build(&f.store.fields, &parsed, &Kind::ALL, &Audience::default());
        let searcher = f.store.searcher();
        let memo = SegmentMemo::new(usize::MAX);
        let later = Instant::now() + Duration::from_secs(5);
        let search = |kinds: &[Kind], limit, offset, deadline| {
            let page = Page { limit, offset, titles: true };
            run((&searcher, &memo), &f.store.fields, query.as_ref(), kinds, page, deadline)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let all = search(&Kind::ALL, 10, 0, later);
        assert_eq!(all.counts, [3, 0, 0, 1], "moog, juno, broken; the room");
        assert!(!all.partial);
        // One at a time, the same order: no page repeats or skips.
        let mut paged = Vec::new();
        for offset in 0..4 {
            paged.extend(search(&[Kind::Listing], 1, offset, later).of(Kind::Listing).iter().map(|h| h.id));
        }
        let whole: Vec<Uuid> = all.of(Kind::Listing).iter().map(|h| h.id).collect();
        assert_eq!(paged, whole);
        let cut = search(&Kind::ALL, 10, 0, Instant::now());
        assert!(cut.partial && cut.hits.iter().all(Vec::is_empty), "past the deadline: nothing more is read");
    }
}
