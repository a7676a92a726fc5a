//! In-process store: one governor keyed limiter per distinct quota.

use super::{Decision, Quota};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Forget keys that are back to full capacity once every this many checks, so the key map
/// cannot grow without bound.
const SWEEP_EVERY: u64 = 4096;

type Limiter = governor::RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

#[derive(Clone, Default)]
pub struct LocalStore {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    limiters: RwLock<HashMap<Quota, Arc<Limiter>>>,
    /// (quota, key) -> when the next request will be allowed, for keys with no capacity left.
    exhausted: Mutex<HashMap<(Quota, String), Instant>>,
    checks: AtomicU64,
    clock: DefaultClock,
}

impl LocalStore {
    fn limiter(&self, quota: Quota) -> Arc<Limiter> {
        if let Some(l) = self.inner.limiters.read().ok().and_then(|map| map.get(&quota).cloned()) {
            return l;
        }
        let mut map = self.inner.limiters.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(quota)
            .or_insert_with(|| {
                let q = governor::Quota::with_period(quota.replenish_interval())
                    .unwrap_or_else(|| governor::Quota::per_second(quota.per_period))
                    .allow_burst(quota.burst);
                Arc::new(governor::RateLimiter::keyed(q).with_middleware::<StateInformationMiddleware>())
            })
            .clone()
    }

    fn mark_exhausted(&self, quota: Quota, key: &str, wait: Duration) {
        if let Ok(mut m) = self.inner.exhausted.lock() {
            m.insert((quota, key.to_owned()), Instant::now() + wait);
        }
    }

    pub fn check(&self, key: &str, quota: Quota) -> Decision {
        let limiter = self.limiter(quota);
        let n = self.inner.checks.fetch_add(1, Ordering::Relaxed);
        if n % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
            if let Ok(mut m) = self.inner.exhausted.lock() {
                let now = Instant::now();
                m.retain(|_, until| *until > now);
            }
        }
        match limiter.check_key(&key.to_owned()) {
            Ok(snapshot) => {
                if snapshot.remaining_burst_capacity() == 0 {
                    self.mark_exhausted(quota, key, quota.replenish_interval());
                }
                Decision::Allowed
            }
            Err(not_until) => {
                let retry_after = not_until.wait_time_from(self.inner.clock.now());
                self.mark_exhausted(quota, key, retry_after);
                Decision::Limited { retry_after }
            }
        }
    }

    /// Would a request be refused now? Counts nothing.
    pub fn peek(&self, key: &str, quota: Quota) -> Decision {
        let now = Instant::now();
        let until = self.inner.exhausted.lock().ok().and_then(|m| m.get(&(quota, key.to_owned())).copied());
        match until {
            Some(t) if t > now => Decision::Limited { retry_after: t - now },
            _ => Decision::Allowed,
        }
    }

    /// Keys currently tracked, over all quotas (for tests and diagnostics).
    pub fn tracked_keys(&self) -> usize {
        self.inner.limiters.read().map(|m| m.values().map(|l| l.len()).sum()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_the_burst_then_limits_with_a_retry_time() {
        let store = LocalStore::default();
        let q = Quota::per_minute(60, 3);
        for _ in 0..3 {
            assert_eq!(store.check("ip:1", q), Decision::Allowed);
        }
        match store.check("ip:1", q) {
            Decision::Limited { retry_after } => {
                assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(1), "{retry_after:?}");
            }
            Decision::Allowed => panic!("fourth request within the burst window must be limited"),
        }
        assert_eq!(store.check("ip:2", q), Decision::Allowed, "keys are independent");
        assert_eq!(store.check("ip:1", Quota::per_minute(10, 1)), Decision::Allowed, "quotas are independent");
        assert_eq!(store.tracked_keys(), 3);
    }

    #[test]
    fn peek_sees_exhaustion_without_counting() {
        let store = LocalStore::default();
        let q = Quota::per_minute(1, 2);
        assert_eq!(store.peek("acct", q), Decision::Allowed);
        assert_eq!(store.peek("acct", q), Decision::Allowed, "peeking counts nothing");
        assert_eq!(store.check("acct", q), Decision::Allowed);
        assert_eq!(store.peek("acct", q), Decision::Allowed, "one left");
        assert_eq!(store.check("acct", q), Decision::Allowed);
        assert!(matches!(store.peek("acct", q), Decision::Limited { .. }), "the last one was used");
        assert_eq!(store.peek("other", q), Decision::Allowed);
    }
}
