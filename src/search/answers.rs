//! `GET /listings` answers kept for the index generation they were computed on, the way
//! Elasticsearch's shard request cache keeps aggregations until the next refresh: a page with
//! facets walks every matching listing (tens of milliseconds at a million), the same browse
//! page is asked again and again, and within one generation the answer cannot change. A new
//! generation (any commit) empties it; partial answers are never kept.

use super::listing_index::{ListingAsk, ListingFound};
use std::collections::HashMap;
use std::sync::Mutex;

/// The most answers kept for one generation.
const KEEP: usize = 256;

#[derive(Default)]
pub struct Answers {
    kept: Mutex<(u64, HashMap<String, ListingFound>)>,
}

/// Everything an answer depends on except the deadline. Every field is named (no `..`), so
/// a field added to `ListingAsk` does not compile until it is part of the key or said not to be.
pub fn key(a: &ListingAsk) -> String {
    let ListingAsk {
        text,
        status,
        drafts_of,
        categories,
        tags,
        min_price,
        max_price,
        currency,
        condition,
        seller,
        order,
        limit,
        facets,
        deadline: _,
    } = a;
    format!(
        "{text:?}|{status}|{drafts_of:?}|{categories:?}|{tags:?}|{min_price:?}|{max_price:?}|{currency:?}|\
         {condition:?}|{seller:?}|{order:?}|{limit}|{facets:?}"
    )
}

impl Answers {
    /// The answer to `key` computed on `generation`, if kept.
    pub fn get(&self, generation: u64, key: &str) -> Option<ListingFound> {
        let kept = self.kept.lock().ok()?;
        (kept.0 == generation).then(|| kept.1.get(key).cloned()).flatten()
    }

    /// Keeps a complete answer computed on `generation`, forgetting older generations'.
    pub fn put(&self, generation: u64, key: String, found: &ListingFound) {
        if found.partial {
            return;
        }
        let Ok(mut kept) = self.kept.lock() else { return };
        if kept.0 != generation {
            if generation < kept.0 {
                // A cursor's older ranking: not worth evicting the current one for.
                return;
            }
            *kept = (generation, HashMap::new());
        }
        if kept.1.len() >= KEEP {
            kept.1.clear();
        }
        kept.1.insert(key, found.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_live_for_their_generation_only_and_partial_ones_never() {
        let answers = Answers::default();
        let found = ListingFound { ids: vec![uuid::Uuid::now_v7()], ..ListingFound::default() };
        answers.put(7, "a".into(), &found);
        assert_eq!(answers.get(7, "a").map(|f| f.ids), Some(found.ids.clone()));
        assert!(answers.get(8, "a").is_none(), "another generation");
        answers.put(8, "b".into(), &found);
        assert!(answers.get(7, "a").is_none(), "a newer generation empties the older");
        answers.put(7, "a".into(), &found);
        assert!(answers.get(8, "b").is_some(), "an older generation evicts nothing");
        answers.put(8, "c".into(), &ListingFound { partial: true, ..ListingFound::default() });
        assert!(answers.get(8, "c").is_none());
    }
}
