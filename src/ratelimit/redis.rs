//! Shared store: GCRA in one Lua script on Redis, so every node counts against the same
//! budget. When Redis does not answer, the check falls back to this node's local store —
//! logged (at most every 10 s), counted, never an error for the client.

use super::{Decision, LocalStore, Quota};
use crate::infra::redis::Redis;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// GCRA: KEYS[1] the key; ARGV[1] emission interval (ms); ARGV[2] burst; ARGV[3] "1" to only
/// look. Returns {allowed, retry_after_ms}. Redis' own clock, so nodes need not agree on time.
const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if allow_at > now then
  return {0, allow_at - now}
end
if ARGV[3] ~= '1' then
  redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
end
return {1, 0}
"#;

#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Redis,
    script: redis::Script,
    local: LocalStore,
    fallbacks: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
}

impl RedisStore {
    pub fn new(redis: Redis) -> Self {
        RedisStore {
            inner: Arc::new(Inner {
                redis,
                script: redis::Script::new(GCRA),
                local: LocalStore::default(),
                fallbacks: AtomicU64::new(0),
                last_warning: Mutex::new(None),
            }),
        }
    }

    /// Checks answered by the local store because Redis was away.
    pub fn fallbacks(&self) -> u64 {
        self.inner.fallbacks.load(Ordering::Relaxed)
    }

    async fn gcra(&self, key: &str, quota: Quota, peek: bool) -> Result<Decision, String> {
        let i = &self.inner;
        let mut conn = i.redis.connection().await.map_err(|e| e.to_string())?;
        let interval_ms = quota.replenish_interval().as_millis().max(1) as u64;
        let mut call = i.script.key(i.redis.key(&format!("rl:{key}")));
        call.arg(interval_ms).arg(quota.burst.get()).arg(if peek { "1" } else { "0" });
        let (allowed, retry_ms): (i64, i64) =
            i.redis.timed(call.invoke_async(&mut conn)).await.map_err(|e| e.to_string())?;
        Ok(if allowed == 1 {
            Decision::Allowed
        } else {
            Decision::Limited { retry_after: Duration::from_millis(retry_ms.max(1) as u64) }
        })
    }

    fn fall_back(&self, error: &str) {
        let i = &self.inner;
        i.fallbacks.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = i.last_warning.lock()
            && last.is_none_or(|t| t.elapsed() > Duration::from_secs(10))
        {
            *last = Some(Instant::now());
            tracing::warn!(error, "redis rate limiter unavailable; limits are local to this node");
        }
    }

    pub async fn check(&self, key: &str, quota: Quota) -> Decision {
        match self.gcra(key, quota, false).await {
            Ok(d) => d,
            Err(e) => {
                self.fall_back(&e);
                self.inner.local.check(key, quota)
            }
        }
    }

    pub async fn peek(&self, key: &str, quota: Quota) -> Decision {
        match self.gcra(key, quota, true).await {
            Ok(d) => d,
            Err(e) => {
                self.fall_back(&e);
                self.inner.local.peek(key, quota)
            }
        }
    }
}
