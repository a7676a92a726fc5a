//! The fast path of a search of words (no phrase, no exclusion): per kind, over that kind's
//! `words` field, in two tiers the way Meilisearch orders by exactness. First the documents
//! holding every word exactly, best BM25 first (title over tags over body by term frequency),
//! found by tantivy's block-max WAND, which skips the blocks of postings that cannot reach the
//! page instead of scoring a million matches; then, only when those do not fill the page,
//! documents that match some word by a typo or as a prefix (the word's expansions, `expand.rs`).
//! Counts stop at `COUNT_EXACT_UP_TO` per kind, as far as pages reach (`cursor::MAX_REACH`):
//! beyond, they are a lower bound and say so (Elasticsearch's `track_total_hits`, Meilisearch's
//! `maxTotalHits`); counting a million matches exactly costs more than the whole page. Phrases and exclusions take the general path (`engine.rs`).
//!
//! Order within a tier: score times a mild log of popularity, then the document's address, so
//! one searcher always gives the same order and offset pages neither repeat nor skip. The
//! walks over segments are `walk.rs`.

use super::changes::Kind;
use super::collect::{Scored, best_first};
use super::cursor::MAX_REACH;
use super::documents::access_term;
use super::engine::{Audience, Found, hit_at};
use super::expand::{MAX_EXPANSIONS, expansions};
use super::index::IndexError;
use super::query::Parsed;
use super::schema::{Fields, RESTRICTED};
use super::segment_memo::{SegmentMemo, postings};
use super::walk::{Clock, Floor, LOOSE_WEIGHT, Pass, Seg, SegmentHidden, Segments, best_of_each, count_up_to, top};
use std::collections::HashSet;
use std::time::Instant;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Score, Searcher, SegmentReader, Term};

/// Counts are exact up to this many matches of a kind, a lower bound beyond: as far as a
/// cursor can page.
pub const COUNT_EXACT_UP_TO: u64 = MAX_REACH as u64;
/// Added to the scores of the exact tier, so any exact match outranks any loose one when
/// pages of several kinds are merged by score.
const EXACT_TIER: Score = 1000.0;

/// Whether `q` can take this path.
pub fn handles(q: &Parsed) -> bool {
    !q.words.is_empty() && q.phrases.is_empty() && q.excluded.is_empty()
}

/// One search of words, as the port asks it.
#[derive(Clone, Copy)]
pub struct Ask<'a> {
    pub parsed: &'a Parsed,
    pub kinds: &'a [Kind],
    pub who: &'a Audience,
    pub limit: usize,
    pub offset: usize,
    pub deadline: Instant,
    /// Suggestions: the best `limit` over every kind together, with their titles (read from
    /// the stored documents), and no counts.
    pub suggest: bool,
    pub memo: &'a SegmentMemo,
}

/// Runs `a` for each of its kinds in that kind's `text` field (`Fields::words` or
/// `Fields::titles`): `limit` hits after `offset`, and the counts.
pub fn run(searcher: &Searcher, f: &Fields, text: &[Field; 4], a: Ask<'_>) -> Result<Found, IndexError> {
    let Ask { parsed: q, kinds, who, limit, offset, deadline, suggest, memo } = a;
    let mut out = Found::default();
    let mut clock = Clock::new(deadline);
    let segments = Segments::new(searcher, memo, Hidden::new(f, who).per_segment(searcher, memo)?);
    let mut pages: Vec<(Kind, Scored)> = Vec::new();
    for &kind in kinds {
        let field = text[kind.index()];
        let pass = Pass::new(searcher, memo, &segments, field);
        let exact: Vec<Term> = q.words.iter().map(|w| Term::from_field_text(field, &w.term)).collect();
        let mut loose = Vec::with_capacity(q.words.len());
        for w in &q.words {
            loose.push(expansions(searcher, memo, field, w, MAX_EXPANSIONS)?);
        }
        let keep = offset + limit;
        let exact_only = all_of(&exact, &[]);
        let mut hits: Vec<Scored> = top(&pass, exact_only.as_ref(), keep, Floor::NONE, &mut clock)?
            .into_iter()
            .map(|s| Scored { score: s.score + EXACT_TIER, addr: s.addr })
            .collect();
        let any_loose = loose.iter().any(|x| !x.is_empty());
        let everything = all_of(&exact, &loose);
        if hits.len() < keep && any_loose {
            let skip: HashSet<DocAddress> = hits.iter().map(|s| s.addr).collect();
            let rest = keep - hits.len();
            hits.extend(match loose.as_slice() {
                [terms] => best_of_each(&pass, terms, rest, &skip, &mut clock)?,
                _ => top(&pass, everything.as_ref(), rest, Floor::with_skip(&skip), &mut clock)?,
            });
        }
        pages.extend(hits.iter().skip(offset).take(limit).map(|s| (kind, *s)));
        if suggest {
            continue;
        }
        let (count, capped) = match (exact.as_slice(), loose.as_slice()) {
            // One word: its terms' document counts may already say "more than the cap".
            ([one], [more]) if surely_past(&pass, kind, (one, more), COUNT_EXACT_UP_TO)? => (COUNT_EXACT_UP_TO, true),
            _ => {
                // The exact words alone are cheaper to walk than every expansion, and whatever
                // they match the whole query matches.
                let first = if any_loose {
                    count_up_to(&pass, exact_only.as_ref(), COUNT_EXACT_UP_TO, &mut clock)?
                } else {
                    (0, false)
                };
                if first.1 { first } else { count_up_to(&pass, everything.as_ref(), COUNT_EXACT_UP_TO, &mut clock)? }
            }
        };
        out.counts[kind.index()] = count;
        out.at_least[kind.index()] = capped;
    }
    if suggest {
        // Titles are read (a stored block decompressed each) for what is shown only.
        pages.sort_by(|a, b| best_first(&a.1, &b.1));
        pages.truncate(limit);
    }
    for (kind, s) in pages {
        if let Some(h) = hit_at((searcher, memo), f, kind, s.addr, s.score, suggest)? {
            out.hits[kind.index()].push(h);
        }
    }
    out.partial = clock.expired;
    Ok(out)
}

/// Whether the documents holding `exact` or one of `loose` in each segment, less every
/// document that may be deleted there or hidden of `kind`, already reach `cap`: no walk needed.
fn surely_past(pass: &Pass<'_>, kind: Kind, (exact, loose): (&Term, &[Term]), cap: u64) -> Result<bool, IndexError> {
    let mut least = 0u64;
    for Seg { reader, hidden, .. } in pass.segments() {
        let inverted = reader.inverted_index(exact.field())?;
        let mut most = 0u32;
        for t in std::iter::once(exact).chain(loose) {
            most = most.max(inverted.doc_freq(t)?);
        }
        let gone = u64::from(reader.num_deleted_docs()) + hidden.map_or(0, |h| h.most(kind));
        least += u64::from(most).saturating_sub(gone);
        if least >= cap {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every word: exactly, or (when it has expansions) as any of them, weighed less.
fn all_of(exact: &[Term], loose: &[Vec<Term>]) -> Box<dyn Query> {
    let word = |i: usize, t: &Term| -> Box<dyn Query> {
        let exact = Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs));
        match loose.get(i) {
            Some(x) if !x.is_empty() => {
                let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, exact)];
                for t in x {
                    let q = TermQuery::new(t.clone(), IndexRecordOption::WithFreqs);
                    any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), LOOSE_WEIGHT))));
                }
                Box::new(BooleanQuery::new(any))
            }
            _ => exact,
        }
    };
    match exact {
        // One word stays a flat union of terms (or one term): what block-max WAND prunes.
        [one] => word(0, one),
        _ => Box::new(BooleanQuery::new(exact.iter().enumerate().map(|(i, t)| (Occur::Must, word(i, t))).collect())),
    }
}

/// Who must not see what: documents not everyone may see, unless the viewer may, and
/// documents of owners hidden by a block.
struct Hidden {
    restricted: Term,
    mine: Option<Term>,
    owners: Vec<Term>,
}

impl Hidden {
    fn new(f: &Fields, who: &Audience) -> Hidden {
        Hidden {
            restricted: Term::from_field_text(f.restricted, RESTRICTED),
            mine: who.viewer.map(|v| Term::from_field_text(f.access, &access_term(v))),
            owners: who.hidden.iter().map(|h| Term::from_field_text(f.owner, &h.to_string())).collect(),
        }
    }

    /// Each segment's part, by segment ordinal.
    fn per_segment(&self, searcher: &Searcher, memo: &SegmentMemo) -> Result<Vec<SegmentHidden>, IndexError> {
        searcher.segment_readers().iter().map(|r| self.in_segment(searcher, r, memo)).collect()
    }

    fn in_segment(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        memo: &SegmentMemo,
    ) -> Result<SegmentHidden, IndexError> {
        let mine = match &self.mine {
            Some(mine) => postings(reader, mine)?,
            None => Vec::new(),
        };
        let mut owners = Vec::new();
        for owner in &self.owners {
            owners.extend(postings(reader, owner)?);
        }
        owners.sort_unstable();
        owners.dedup();
        Ok(SegmentHidden { restricted: memo.restricted(searcher, reader, &self.restricted)?, mine, owners })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::{Mark, SearchStore};
    use crate::search::model::{Access, Doc};
    use crate::search::query::{Rules, parse};
    use std::time::Duration;
    use uuid::Uuid;

    #[test]
    fn counts_stop_at_the_limit_and_say_so_and_hidden_documents_never_count() {
        let dir = std::env::temp_dir().join(format!("veza-ranked-{}", Uuid::now_v7()));
        let (store, _) = SearchStore::open(&dir, Uuid::nil()).unwrap_or_else(|e| panic!("{e}"));
        let mut w = store.writer(0).unwrap_or_else(|e| panic!("{e}"));
        let (ann, eve) = (Uuid::now_v7(), Uuid::now_v7());
        let mut number = std::collections::HashMap::new();
        for i in 0..30usize {
            let id = Uuid::now_v7();
            number.insert(id, i);
            let doc = Doc {
                kind: Kind::Track,
                id,
                title: format!("Drone {i}"),
                tags: vec![],
                body: String::new(),
                // Ten private to ann, ten of eve's, ten public.
                access: if i < 10 { Access::Only(vec![ann]) } else { Access::Everyone },
                owner: Some(if (10..20).contains(&i) { eve } else { Uuid::now_v7() }),
                popularity: 0.0,
                created: chrono::Utc::now(),
                listing: None,
            };
            w.upsert(&doc).unwrap_or_else(|e| panic!("{e}"));
            // Private rooms in the same segment: restricted, but never tracks.
            let room = Doc {
                kind: Kind::Room,
                id: Uuid::now_v7(),
                access: Access::Only(vec![ann]),
                owner: Some(Uuid::now_v7()),
                ..doc
            };
            w.upsert(&room).unwrap_or_else(|e| panic!("{e}"));
        }
        w.commit(Uuid::nil(), Mark::default()).unwrap_or_else(|e| panic!("{e}"));
        store.reload().unwrap_or_else(|e| panic!("{e}"));
        let searcher = store.searcher();
        let f = &store.fields;
        let parsed = parse("drone ", &Rules::default()).unwrap_or_else(|e| panic!("{e}"));
        let query = all_of(&[Term::from_field_text(f.words[Kind::Track.index()], "drone")], &[]);
        let mut clock = Clock::new(Instant::now() + Duration::from_secs(5));
        let memo = SegmentMemo::new(usize::MAX);
        let field = f.words[Kind::Track.index()];
        let segments_for = |who: &Audience| {
            Segments::new(
                &searcher,
                &memo,
                Hidden::new(f, who).per_segment(&searcher, &memo).unwrap_or_else(|e| panic!("{e}")),
            )
        };
        let counted = |who: &Audience, cap: u64, clock: &mut Clock| {
            let segments = segments_for(who);
            let pass = Pass::new(&searcher, &memo, &segments, field);
            count_up_to(&pass, query.as_ref(), cap, clock).unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(counted(&Audience::default(), 100, &mut clock), (20, false), "ann's ten are not public");
        assert_eq!(counted(&Audience { viewer: Some(ann), hidden: vec![] }, 100, &mut clock), (30, false));
        assert_eq!(counted(&Audience { viewer: Some(ann), hidden: vec![eve] }, 100, &mut clock), (20, false));
        assert_eq!(counted(&Audience::default(), 15, &mut clock), (15, true), "a lower bound past the limit");
        // Without a walk: 30 hold the word, at most 20 of them hidden (ann's ten, eve's ten).
        let drone = Term::from_field_text(f.words[Kind::Track.index()], "drone");
        let segments = segments_for(&Audience { viewer: None, hidden: vec![eve] });
        let pass = Pass::new(&searcher, &memo, &segments, field);
        let past = |cap| surely_past(&pass, Kind::Track, (&drone, &[]), cap).unwrap_or_else(|e| panic!("{e}"));
        assert!(past(10) && !past(11), "30 documents less 20 tracks that may be hidden (not the 30 rooms)");
        // The whole search agrees, and its pages hold only what this viewer may see.
        let deadline = Instant::now() + Duration::from_secs(5);
        let who = Audience { viewer: None, hidden: vec![eve] };
        let ask = Ask {
            parsed: &parsed,
            kinds: &[Kind::Track],
            who: &who,
            limit: 50,
            offset: 0,
            deadline,
            suggest: false,
            memo: &memo,
        };
        let found = run(&searcher, f, &f.words, ask).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.counts[Kind::Track.index()], 10);
        let numbers: Vec<usize> = found.of(Kind::Track).iter().filter_map(|h| number.get(&h.id).copied()).collect();
        assert_eq!(numbers.len(), 10);
        assert!(numbers.iter().all(|n| *n >= 20), "{numbers:?}");
        assert!(found.of(Kind::Track).iter().all(|h| h.title.is_empty()), "stored documents are not read");
        // As suggestions: the best few over the kinds, with titles, no counts.
        let ask = Ask { kinds: &Kind::ALL, limit: 3, suggest: true, ..ask };
        let found = run(&searcher, f, &f.titles, ask).unwrap_or_else(|e| panic!("{e}"));
        let titles: Vec<&str> = found.hits.iter().flatten().map(|h| h.title.as_str()).collect();
        assert_eq!(titles.len(), 3, "{titles:?}");
        assert!(
            titles
                .iter()
                .all(|t| t.strip_prefix("Drone ").and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n >= 20))
        );
        assert_eq!(found.counts, [0; 4]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
