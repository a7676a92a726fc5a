//! In-process store: one governor keyed limiter per distinct quota.

use super::{Decision, Quota};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Forget keys that are back to full capacity once every this many checks, so the key map
/// cannot grow without bound.
const SWEEP_EVERY: u64 = 4096;

#[derive(Clone, Default)]
pub struct LocalStore {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    limiters: RwLock<HashMap<Quota, Arc<DefaultKeyedRateLimiter<String>>>>,
    checks: AtomicU64,
    clock: DefaultClock,
}

impl LocalStore {
    fn limiter(&self, quota: Quota) -> Arc<DefaultKeyedRateLimiter<String>> {
        if let Some(l) = self
            .inner
            .limiters
            .read()
            .ok()
            .and_then(|map| map.get(&quota).cloned())
        {
            return l;
        }
        let mut map = self
            .inner
            .limiters
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(quota)
            .or_insert_with(|| {
                let q = governor::Quota::with_period(quota.replenish_interval())
                    .unwrap_or_else(|| governor::Quota::per_second(quota.per_period))
                    .allow_burst(quota.burst);
                Arc::new(RateLimiter::keyed(q))
            })
            .clone()
    }

    pub fn check(&self, key: &str, quota: Quota) -> Decision {
        let limiter = self.limiter(quota);
        let n = self.inner.checks.fetch_add(1, Ordering::Relaxed);
        if n % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => Decision::Allowed,
            Err(not_until) => Decision::Limited {
                retry_after: not_until.wait_time_from(self.inner.clock.now()),
            },
        }
    }

    /// Keys currently tracked, over all quotas (for tests and diagnostics).
    pub fn tracked_keys(&self) -> usize {
        self.inner
            .limiters
            .read()
            .map(|m| m.values().map(|l| l.len()).sum())
            .unwrap_or(0)
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
                assert!(
                    retry_after > Duration::ZERO && retry_after <= Duration::from_secs(1),
                    "{retry_after:?}"
                );
            }
            Decision::Allowed => panic!("fourth request within the burst window must be limited"),
        }
        assert_eq!(
            store.check("ip:2", q),
            Decision::Allowed,
            "keys are independent"
        );
        assert_eq!(
            store.check("ip:1", Quota::per_minute(10, 1)),
            Decision::Allowed,
            "quotas are independent"
        );
        assert_eq!(store.tracked_keys(), 3);
    }
}
