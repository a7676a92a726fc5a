//! Counts per id kept in memory between two batched writes (listing page views): an increment
//! on the request path is a map update, never a database write. Bounded: past `MAX_PENDING`
//! distinct ids, new ids wait for the next interval (dropped), so a crawler cannot grow it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const MAX_PENDING: usize = 100_000;

/// Shared by a node's workers; cheap to clone.
#[derive(Clone, Default)]
pub struct Tally {
    pending: Arc<Mutex<HashMap<Uuid, i64>>>,
}

impl Tally {
    /// Counts one for `id`.
    pub fn add(&self, id: Uuid) {
        let Ok(mut pending) = self.pending.lock() else { return };
        if pending.len() < MAX_PENDING || pending.contains_key(&id) {
            *pending.entry(id).or_default() += 1;
        }
    }

    /// What was counted since the last take.
    pub fn take(&self) -> HashMap<Uuid, i64> {
        self.pending.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default()
    }

    /// Counts that could not be written, back for the next time.
    pub fn restore(&self, counted: HashMap<Uuid, i64>) {
        if let Ok(mut pending) = self.pending.lock() {
            for (id, n) in counted {
                *pending.entry(id).or_default() += n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_taken_once_and_restored_counts_add_up() {
        let t = Tally::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        t.add(a);
        t.add(a);
        t.add(b);
        let taken = t.take();
        assert_eq!((taken[&a], taken[&b]), (2, 1));
        assert!(t.take().is_empty());
        t.add(a);
        t.restore(taken);
        assert_eq!(t.take()[&a], 3);
    }
}
