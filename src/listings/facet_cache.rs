//! Facets for the same filter, reused for a moment. Counting facets reads the whole filtered
//! set (tens of ms over tens of thousands of listings) while a page reads a few rows by index;
//! everyone browsing the front page asks for the same counts. A count up to `ttl` old is fine
//! for a facet. Per worker, bounded, public filters only (a draft filter depends on the viewer).

use super::facets::Facets;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept at most; when full the cache starts over (simple, and enough for hot keys).
const MAX_ENTRIES: usize = 512;

pub struct FacetCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Facets)>>,
}

impl FacetCache {
    /// `ttl` zero disables the cache.
    pub fn new(ttl: Duration) -> Self {
        FacetCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &str) -> Option<Facets> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, f)| f.clone())
    }

    pub fn put(&self, key: String, facets: &Facets) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), facets.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facets(n: i64) -> Facets {
        Facets {
            categories: vec![],
            tags: vec![],
            conditions: vec![],
            price: vec![super::super::facets::PriceBucket { min: 0, max: None, count: n }],
        }
    }

    #[test]
    fn entries_live_for_the_ttl_and_zero_disables() {
        let cache = FacetCache::new(Duration::from_millis(50));
        cache.put("k".into(), &facets(3));
        assert_eq!(cache.get("k").map(|f| f.price[0].count), Some(3));
        assert!(cache.get("other").is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("k").is_none(), "expired");
        let off = FacetCache::new(Duration::ZERO);
        off.put("k".into(), &facets(1));
        assert!(off.get("k").is_none());
    }
}
