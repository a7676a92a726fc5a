//! Rate limiting through one interface: `check(key, quota) -> Allowed | Limited { retry_after }`
//! (and `peek`, which counts nothing)
//! over string keys (`ip:…`, later `user:…`, `login:…`). The store behind it is local
//! (governor, GCRA), or shared on Redis (GCRA in Lua) when `redis.url` is set.

mod local;
mod redis;

use std::num::NonZeroU32;
use std::time::Duration;

pub use self::redis::RedisStore;
pub use local::LocalStore;

/// How many requests a key may make: `burst` at once, refilled one every `period / per_period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    /// Requests replenished per `period`.
    pub per_period: NonZeroU32,
    pub period: Duration,
    /// Requests that may arrive at once.
    pub burst: NonZeroU32,
}

impl Quota {
    /// `n` per minute with a burst of `burst` (both at least 1).
    pub fn per_minute(n: u32, burst: u32) -> Self {
        Quota {
            per_period: NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN),
            period: Duration::from_secs(60),
            burst: NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN),
        }
    }

    /// Time to replenish one request.
    pub fn replenish_interval(&self) -> Duration {
        self.period / self.per_period.get()
    }
}

/// A limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Limited { retry_after: Duration },
}

/// The limiter every caller uses; cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    store: Store,
}

#[derive(Clone)]
enum Store {
    Local(LocalStore),
    Redis(RedisStore),
}

impl RateLimiter {
    /// A limiter whose state lives in this process.
    pub fn local() -> Self {
        RateLimiter { store: Store::Local(LocalStore::default()) }
    }

    /// A limiter shared by every node through Redis (falling back to local when it is away).
    pub fn redis(store: RedisStore) -> Self {
        RateLimiter { store: Store::Redis(store) }
    }

    /// Checks answered locally because the shared store was away.
    pub fn fallbacks(&self) -> u64 {
        match &self.store {
            Store::Local(_) => 0,
            Store::Redis(r) => r.fallbacks(),
        }
    }

    /// Counts one request for `key` against `quota`.
    pub async fn check(&self, key: &str, quota: Quota) -> Decision {
        match &self.store {
            Store::Local(s) => s.check(key, quota),
            Store::Redis(s) => s.check(key, quota).await,
        }
    }

    /// `check` without waiting: answered when the state is in this process, `None` when it
    /// lives in Redis (the caller then awaits `check`).
    pub fn check_now(&self, key: &str, quota: Quota) -> Option<Decision> {
        match &self.store {
            Store::Local(s) => Some(s.check(key, quota)),
            Store::Redis(_) => None,
        }
    }

    /// Would `check` refuse now? Counts nothing: for limits that count only failures
    /// (a login refused before its password is even tried).
    pub async fn peek(&self, key: &str, quota: Quota) -> Decision {
        match &self.store {
            Store::Local(s) => s.peek(key, quota),
            Store::Redis(s) => s.peek(key, quota).await,
        }
    }
}
