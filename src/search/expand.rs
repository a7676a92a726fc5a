//! A word's typo and prefix matches as the terms they are in the index: the term dictionary
//! walked with tantivy's Levenshtein automaton, the most frequent few kept. Bounded the way
//! Elasticsearch bounds fuzzy and prefix queries (`max_expansions`, 50): a two-letter prefix over
//! a million documents would otherwise read every posting it starts, on every keystroke.

use super::index::IndexError;
use super::query::Word;
use super::segment_memo::SegmentMemo;
use std::collections::HashMap;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// The most terms one word expands to.
pub const MAX_EXPANSIONS: usize = 50;

/// The terms other than `word` itself that match it within its typos, or as a prefix while it
/// is typed, in `field`: the `max` most frequent, most frequent first. Each segment's matches
/// come from `memo` (read once per segment and word).
pub fn expansions(
    searcher: &Searcher,
    memo: &SegmentMemo,
    field: Field,
    word: &Word,
    max: usize,
) -> Result<Vec<Term>, IndexError> {
    if word.typos == 0 && !word.prefix {
        return Ok(Vec::new());
    }
    let exact = Term::from_field_text(field, &word.term);
    let fuzzy = if word.prefix {
        FuzzyTermQuery::new_prefix(exact, word.typos, true)
    } else {
        FuzzyTermQuery::new(exact, word.typos, true)
    };
    let mut freq: HashMap<Vec<u8>, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        for (term, n) in memo.expansions(searcher, segment, field, word, &fuzzy)?.iter() {
            *freq.entry(term.clone()).or_default() += u64::from(*n);
        }
    }
    let mut terms: Vec<(Vec<u8>, u64)> = freq.into_iter().collect();
    // Most frequent first; ties by the term, so every searcher of one index expands alike.
    terms.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(terms
        .into_iter()
        .take(max)
        .filter_map(|(bytes, _)| String::from_utf8(bytes).ok())
        .map(|text| Term::from_field_text(field, &text))
        .collect())
}
