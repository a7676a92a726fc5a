//! Recent searchers, kept so a relevance cursor pages within the ranking it started on: scores
//! move with every commit, a cursor names its generation, and that generation stays readable for
//! a while (the last 64 searched, at most 2 minutes old).

use super::index::SearchStore;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tantivy::Searcher;

const KEEP: usize = 64;
const KEEP_FOR: Duration = Duration::from_secs(120);

#[derive(Default)]
pub struct Generations {
    kept: Mutex<VecDeque<(Instant, Searcher)>>,
}

impl Generations {
    /// The searcher of `generation` while it is kept, else the store's current one (which is
    /// kept from now on).
    pub fn searcher(&self, store: &SearchStore, generation: Option<u64>) -> Searcher {
        let current = store.searcher();
        let Ok(mut kept) = self.kept.lock() else { return current };
        let now = Instant::now();
        let id = current.generation().generation_id();
        if kept.back().is_none_or(|(_, s)| s.generation().generation_id() != id) {
            kept.push_back((now, current.clone()));
        }
        while kept.len() > KEEP || kept.front().is_some_and(|(t, _)| now - *t > KEEP_FOR) {
            kept.pop_front();
        }
        match generation {
            Some(g) => {
                kept.iter().find(|(_, s)| s.generation().generation_id() == g).map_or(current, |(_, s)| s.clone())
            }
            None => current,
        }
    }
}
