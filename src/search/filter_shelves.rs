//! A narrowing asked again (a category, tags, a condition: `/listings?condition=used&min_price=`)
//! gets a shelf of its own per segment: its listings as an `ActiveListings` of their own, so its
//! facets are binary searches again instead of a walk over every admitted listing (a condition
//! admits a quarter of the catalogue: ~60 ms a request at a million). Kept the way
//! Elasticsearch's filter cache keeps a filter's bitset: only once a filter is asked again
//! (one-off filters never pay the build), only when it admits many listings (few are cheap to
//! walk), within a budget of listings, the least recently used dropped first.

use super::active_listings::{ActiveListings, PriceAsk};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentReader};

/// At most this many listings on all kept shelves (~70 bytes each: ~50 MB).
const BUDGET: usize = 750_000;
/// At most this many narrowings remembered (asked once, or too small to keep).
const MAX_REMEMBERED: usize = 4096;

enum Entry {
    /// Asked this many times; not built.
    Asked(u32),
    /// Too few listings: walked.
    Small,
    Shelf {
        shelf: Arc<ActiveListings>,
        used: u64,
    },
}

/// What one ask of a narrowing gets.
enum Decision {
    Kept(Arc<ActiveListings>),
    Build,
    Walk,
}

#[derive(Default)]
struct State {
    entries: HashMap<(SegmentId, String), Entry>,
    /// Listings on the kept shelves.
    listings: usize,
    clock: u64,
}

pub struct FilterShelves {
    state: Mutex<State>,
    /// One build at a time (as `ActiveShelf`).
    building: Mutex<()>,
    min_listings: usize,
}

impl FilterShelves {
    /// Shelves kept from `min` admitted listings on (`search.filter_shelf_min_listings`: fewer
    /// are walked, a few hundred microseconds).
    pub fn with_min_listings(min: usize) -> Self {
        FilterShelves { state: Mutex::default(), building: Mutex::new(()), min_listings: min }
    }

    /// The shelf of `ask`'s narrowing within `active` (the segment `reader`'s shelf), when it is
    /// kept or worth building now; `None`: walk `active`.
    pub fn get(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        active: &ActiveListings,
        (ask, narrowing): (&PriceAsk, &str),
    ) -> Option<Arc<ActiveListings>> {
        let id = (reader.segment_id(), narrowing.to_owned());
        match self.decide(&id) {
            Decision::Kept(shelf) => return Some(shelf),
            Decision::Walk => return None,
            Decision::Build => {}
        }
        let _one = self.building.lock();
        if let Some(shelf) = self.kept(&id) {
            return Some(shelf);
        }
        let admitted = active.admitted(ask, (0, active.listings()));
        // Past the budget it would evict itself and be built again every other request.
        let worth = (self.min_listings..=BUDGET).contains(&admitted.len());
        let built = worth.then(|| active.subset(&admitted));
        let Ok(mut state) = self.state.lock() else { return None };
        forget_segments_gone(&mut state, searcher);
        let Some(shelf) = built.map(Arc::new) else {
            state.entries.insert(id, Entry::Small);
            return None;
        };
        state.listings += shelf.listings();
        state.clock += 1;
        let used = state.clock;
        state.entries.insert(id, Entry::Shelf { shelf: shelf.clone(), used });
        evict(&mut state);
        Some(shelf)
    }

    /// Listings on the kept shelves.
    pub fn listings(&self) -> usize {
        self.state.lock().map_or(0, |s| s.listings)
    }

    /// Counts this ask (one lock per request and segment): its kept shelf, marked used; or
    /// whether to build one now (asked before, not yet decided).
    fn decide(&self, id: &(SegmentId, String)) -> Decision {
        let Ok(mut state) = self.state.lock() else { return Decision::Walk };
        if state.entries.len() >= MAX_REMEMBERED {
            // Forget what was only asked or found small; shelves stay (the budget bounds them).
            state.entries.retain(|_, e| matches!(e, Entry::Shelf { .. }));
        }
        state.clock += 1;
        let now = state.clock;
        match state.entries.entry(id.clone()).or_insert(Entry::Asked(0)) {
            Entry::Asked(n) => {
                *n += 1;
                if *n >= 2 { Decision::Build } else { Decision::Walk }
            }
            Entry::Small => Decision::Walk,
            Entry::Shelf { shelf, used } => {
                *used = now;
                Decision::Kept(shelf.clone())
            }
        }
    }

    /// The kept shelf of `id`, marked used (a build that waited finds another's here).
    fn kept(&self, id: &(SegmentId, String)) -> Option<Arc<ActiveListings>> {
        let mut state = self.state.lock().ok()?;
        state.clock += 1;
        let now = state.clock;
        match state.entries.get_mut(id) {
            Some(Entry::Shelf { shelf, used }) => {
                *used = now;
                Some(shelf.clone())
            }
            _ => None,
        }
    }
}

/// Drops what was kept of segments no longer searched (merged away).
fn forget_segments_gone(state: &mut State, searcher: &Searcher) {
    let live: Vec<SegmentId> = searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
    let mut freed = 0;
    state.entries.retain(|(segment, _), e| {
        let keep = live.contains(segment);
        if let (false, Entry::Shelf { shelf, .. }) = (keep, &e) {
            freed += shelf.listings();
        }
        keep
    });
    state.listings -= freed.min(state.listings);
}

/// Drops the least recently used shelves until the kept listings fit the budget.
fn evict(state: &mut State) {
    while state.listings > BUDGET {
        let oldest = state
            .entries
            .iter()
            .filter_map(|(id, e)| match e {
                Entry::Shelf { used, shelf } => Some((*used, id.clone(), shelf.listings())),
                _ => None,
            })
            .min_by_key(|(used, _, _)| *used);
        let Some((_, id, len)) = oldest else { break };
        state.entries.remove(&id);
        state.listings -= len.min(state.listings);
    }
}
