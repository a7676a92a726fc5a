//! The rows search results are shown from (listings, tracks, users), kept between searches: a
//! popular query shows the same few dozen entities again and again, and reading them from
//! PostgreSQL was a third of a search's CPU. Entries follow the index, not a clock alone:
//! - the feed drops an entity's entry when it applies a change to it (the same change log, on
//!   every node; at once on the node that served the write), so a kept row is never older than
//!   the index that found it; a user's change drops what they own too (the feed reloads those);
//! - a load that started before a change and ends after it is not kept (`epoch`);
//! - entries expire after `TTL` anyway, for columns the change log does not follow;
//! - a rebuild empties it. Bounded: past `CAP` entries a shelf is emptied.
//!
//! Not `infra::cache::ReadCache`: that one is dropped by the services' own invalidations only (a
//! change the log alone carries, such as a suspension, would not reach it) and keeps JSON to
//! parse again per hit.
//!
//! What a viewer may see is still decided per search (`views.rs`) from the kept row, and blocks
//! are read from PostgreSQL for every search. A write behind the log's back (triggers off)
//! reaches neither the index nor these rows until a rebuild (or the TTL, for the rows).

use super::changes::Kind;
use crate::listings::repo::ListingRow;
use crate::tracks::repo::TrackRow;
use crate::users::repo::ProfileRow;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Entries kept per kind at most.
const CAP: usize = 20_000;
/// How long an entry is trusted without a change to it.
const TTL: Duration = Duration::from_secs(30);

/// One kind's kept rows.
pub struct Shelf<T> {
    rows: RwLock<HashMap<Uuid, (Instant, T)>>,
}

impl<T> Default for Shelf<T> {
    fn default() -> Self {
        Shelf { rows: RwLock::new(HashMap::new()) }
    }
}

impl<T: Clone> Shelf<T> {
    /// The fresh rows kept for `ids`, and the ids to load.
    fn get(&self, ids: &[Uuid]) -> (Vec<T>, Vec<Uuid>) {
        let Ok(rows) = self.rows.read() else { return (Vec::new(), ids.to_vec()) };
        let mut hits = Vec::with_capacity(ids.len());
        let mut misses = Vec::new();
        for id in ids {
            match rows.get(id) {
                Some((at, row)) if at.elapsed() < TTL => hits.push(row.clone()),
                _ => misses.push(*id),
            }
        }
        (hits, misses)
    }

    fn drop_ids(&self, ids: &[Uuid]) {
        if let Ok(mut rows) = self.rows.write() {
            for id in ids {
                rows.remove(id);
            }
        }
    }

    fn clear(&self) {
        if let Ok(mut rows) = self.rows.write() {
            rows.clear();
        }
    }

    pub fn len(&self) -> usize {
        self.rows.read().map_or(0, |r| r.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Default)]
pub struct ViewCache {
    /// Moves on every drop: a load that saw an older value keeps nothing.
    epoch: AtomicU64,
    pub listings: Shelf<(ListingRow, String)>,
    pub tracks: Shelf<(TrackRow, String)>,
    pub users: Shelf<ProfileRow>,
}

impl ViewCache {
    /// The rows of `ids` from `shelf`, the missing ones from `load` (kept for the next search);
    /// in no particular order, and without the ids `load` did not return.
    pub async fn through<T, F, Fut, E>(
        &self,
        shelf: &Shelf<T>,
        ids: &[Uuid],
        id_of: fn(&T) -> Uuid,
        load: F,
    ) -> Result<Vec<T>, E>
    where
        T: Clone,
        F: FnOnce(Vec<Uuid>) -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        let since = self.epoch.load(Ordering::SeqCst);
        let (mut rows, misses) = shelf.get(ids);
        if misses.is_empty() {
            return Ok(rows);
        }
        let loaded = load(misses).await?;
        if let Ok(mut kept) = shelf.rows.write()
            // Checked under the lock a drop also takes: a change that came during the load
            // either moved the epoch already or drops what is kept here after.
            && self.epoch.load(Ordering::SeqCst) == since
        {
            if kept.len() + loaded.len() > CAP {
                kept.clear();
            }
            let now = Instant::now();
            kept.extend(loaded.iter().map(|r| (id_of(r), (now, r.clone()))));
        }
        rows.extend(loaded);
        Ok(rows)
    }

    /// These entities changed: their kept rows go.
    pub fn changed(&self, kind: Kind, ids: &[Uuid]) {
        // Rooms are read for every search (their last seq moves with every message): nothing
        // kept, and loads of the other kinds need not be turned away.
        if matches!(kind, Kind::Room) {
            return;
        }
        self.epoch.fetch_add(1, Ordering::SeqCst);
        match kind {
            Kind::Listing => self.listings.drop_ids(ids),
            Kind::Track => self.tracks.drop_ids(ids),
            Kind::User => self.users.drop_ids(ids),
            Kind::Room => {}
        }
    }

    /// Everything goes (a rebuild).
    pub fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.listings.clear();
        self.tracks.clear();
        self.users.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (Uuid, &'static str);

    fn id_of(r: &Row) -> Uuid {
        r.0
    }

    async fn through(cache: &ViewCache, shelf: &Shelf<Row>, ids: &[Uuid], db: &[Row]) -> (Vec<Row>, usize) {
        let mut loads = 0;
        let rows = cache
            .through(shelf, ids, id_of, |missing| {
                loads = missing.len();
                let rows: Vec<Row> = db.iter().filter(|r| missing.contains(&r.0)).copied().collect();
                async move { Ok::<_, ()>(rows) }
            })
            .await
            .unwrap_or_default();
        (rows, loads)
    }

    #[actix_web::test]
    async fn rows_are_kept_until_their_entity_changes() {
        let cache = ViewCache::default();
        let shelf: Shelf<Row> = Shelf::default();
        let (a, b, gone) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let db = [(a, "a1"), (b, "b1")];
        let (rows, loads) = through(&cache, &shelf, &[a, b, gone], &db).await;
        assert_eq!((rows.len(), loads), (2, 3), "what the database lacks is not invented");
        let (rows, loads) = through(&cache, &shelf, &[a, b], &[(a, "a2"), (b, "b2")]).await;
        assert_eq!(loads, 0, "kept");
        assert!(rows.contains(&(a, "a1")));
        shelf.drop_ids(&[a]);
        let (rows, loads) = through(&cache, &shelf, &[a, b], &[(a, "a2"), (b, "b2")]).await;
        assert_eq!(loads, 1, "only the changed one is read again");
        assert!(rows.contains(&(a, "a2")) && rows.contains(&(b, "b1")), "{rows:?}");
    }

    #[actix_web::test]
    async fn a_load_that_raced_a_change_is_not_kept() {
        let cache = ViewCache::default();
        let a = Uuid::now_v7();
        let shelf: Shelf<Row> = Shelf::default();
        let since_change = cache
            .through(&shelf, &[a], id_of, |_| {
                cache.changed(Kind::Track, &[Uuid::now_v7()]);
                async move { Ok::<_, ()>(vec![(a, "old")]) }
            })
            .await
            .unwrap_or_default();
        assert_eq!(since_change, [(a, "old")], "served, once");
        assert!(shelf.is_empty(), "but not kept");
        let (_, loads) = through(&cache, &shelf, &[a], &[(a, "new")]).await;
        assert_eq!(loads, 1);
        assert_eq!(shelf.len(), 1, "a quiet load is kept");
    }
}
