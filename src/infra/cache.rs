//! Read-through cache for hot reads (public profiles, room rows): this node's memory first, then Redis
//! (when configured), then the loader (PostgreSQL). A write calls `invalidate`, which drops
//! the entry here, deletes it from Redis and tells every node over `node.broadcast`. Entries
//! also expire after `ttl`, which bounds staleness when an invalidation is lost (broker
//! away). A load that read the old row before the write committed could store it after the
//! invalidation: every drop is therefore repeated `SETTLE` later, which closes that window for
//! any load shorter than it.

use super::events::{NodeBus, NodeEvent};
use super::redis::Redis;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Entries kept in memory at most; past it the oldest half goes.
const LOCAL_CAP: usize = 10_000;
/// The second drop after an invalidation.
const SETTLE: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct ReadCache {
    inner: Arc<Inner>,
}

struct Inner {
    local: RwLock<HashMap<String, (Instant, Arc<str>)>>,
    redis: Option<Redis>,
    bus: NodeBus,
    ttl: Duration,
}

impl ReadCache {
    /// A cache whose invalidations reach the other nodes through `bus`.
    pub fn new(redis: Option<Redis>, ttl: Duration, bus: NodeBus) -> Self {
        ReadCache { inner: Arc::new(Inner { local: RwLock::new(HashMap::new()), redis, bus, ttl }) }
    }

    /// The cached value of `key`, or what `load` returns (`None`, e.g. not found, is not
    /// cached). A value that no longer deserializes is treated as absent.
    pub async fn get_or_load<T, E, F>(&self, key: &str, load: F) -> Result<Option<T>, E>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<Option<T>, E>>,
    {
        if let Some(v) = self.local_get(key).and_then(|s| serde_json::from_str(&s).ok()) {
            return Ok(Some(v));
        }
        if let Some(s) = self.redis_get(key).await
            && let Ok(v) = serde_json::from_str(&s)
        {
            self.local_put(key, s.into());
            return Ok(Some(v));
        }
        let loaded = load.await?;
        if let Some(v) = &loaded
            && let Ok(s) = serde_json::to_string(v)
        {
            self.redis_put(key, &s);
            self.local_put(key, s.into());
        }
        Ok(loaded)
    }

    /// `key` changed: gone here, in Redis, and on every node.
    pub fn invalidate(&self, key: &str) {
        self.drop_local(key);
        if let Some(redis) = self.inner.redis.clone() {
            let k = redis.key(&format!("cache:{key}"));
            tokio::spawn(async move {
                for wait in [Duration::ZERO, SETTLE] {
                    tokio::time::sleep(wait).await;
                    if let Ok(mut conn) = redis.connection().await {
                        let _ = redis.timed(redis::cmd("DEL").arg(&k).query_async::<()>(&mut conn)).await;
                    }
                }
            });
        }
        self.inner.bus.publish(NodeEvent::Invalidate { key: key.to_owned() });
    }

    /// `key` changed (here or on another node): gone from memory now, and again `SETTLE` later.
    pub fn drop_local(&self, key: &str) {
        if let Ok(mut l) = self.inner.local.write() {
            l.remove(key);
        }
        let (inner, key) = (self.inner.clone(), key.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(SETTLE).await;
            if let Ok(mut l) = inner.local.write() {
                l.remove(&key);
            }
        });
    }

    fn local_get(&self, key: &str) -> Option<Arc<str>> {
        let l = self.inner.local.read().ok()?;
        l.get(key).filter(|(at, _)| at.elapsed() < self.inner.ttl).map(|(_, v)| v.clone())
    }

    fn local_put(&self, key: &str, value: Arc<str>) {
        let Ok(mut l) = self.inner.local.write() else { return };
        if l.len() >= LOCAL_CAP {
            let ttl = self.inner.ttl;
            l.retain(|_, (at, _)| at.elapsed() < ttl / 2);
        }
        l.insert(key.to_owned(), (Instant::now(), value));
    }

    async fn redis_get(&self, key: &str) -> Option<String> {
        let redis = self.inner.redis.as_ref()?;
        let mut conn = redis.connection().await.ok()?;
        let cmd = redis::cmd("GET").arg(redis.key(&format!("cache:{key}"))).clone();
        redis.timed(cmd.query_async::<Option<String>>(&mut conn)).await.ok().flatten()
    }

    fn redis_put(&self, key: &str, value: &str) {
        let Some(redis) = self.inner.redis.clone() else { return };
        let cmd = redis::cmd("SET")
            .arg(redis.key(&format!("cache:{key}")))
            .arg(value)
            .arg("PX")
            .arg(u64::try_from(self.inner.ttl.as_millis()).unwrap_or(60_000))
            .clone();
        tokio::spawn(async move {
            if let Ok(mut conn) = redis.connection().await {
                let _ = redis.timed(cmd.query_async::<()>(&mut conn)).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn loads_once_then_serves_from_memory_until_invalidated() {
        let (inbox, _rx) = crate::infra::events::inbox();
        let cache = ReadCache::new(None, Duration::from_secs(60), NodeBus::new(inbox, None));
        let loads = std::sync::atomic::AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, ()>(Some(41))
        };
        assert_eq!(cache.get_or_load("k", load()).await, Ok(Some(41)));
        assert_eq!(cache.get_or_load("k", load()).await, Ok(Some(41)));
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
        cache.invalidate("k");
        assert_eq!(cache.get_or_load("k", load()).await, Ok(Some(41)));
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 2);
        let missing = cache.get_or_load::<i32, (), _>("none", async { Ok(None) }).await;
        assert_eq!(missing, Ok(None));
    }
}
