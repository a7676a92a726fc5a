//! Who is active: a user with an authenticated request or an open WebSocket. Seen on the request
//! path as a map update (never a write); the node's heartbeat writes what was seen into
//! `user_activity`, one row per user and UTC day whose `last_at` moves at most every
//! `stats.activity_granularity_secs`. A node that dies loses at most one heartbeat of sightings.

use crate::db::DbPool;
use diesel::sql_types::{Array, BigInt, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use uuid::Uuid;
use veza_core::UserId;

/// Distinct users held between two writes; past it, new users wait for the next interval.
const MAX_PENDING: usize = 200_000;
const DAY_SECS: i64 = 86_400;

/// Shared by a node's workers; cheap to clone.
#[derive(Clone)]
pub struct ActiveUsers {
    seen: Arc<Mutex<Seen>>,
    granularity: i64,
}

#[derive(Default)]
struct Seen {
    /// When each user was last queued for writing (unix seconds), within the granularity.
    queued: HashMap<UserId, i64>,
    /// To write: user -> when seen (unix seconds).
    pending: HashMap<UserId, i64>,
}

impl ActiveUsers {
    pub fn new(granularity: Duration) -> ActiveUsers {
        let granularity = i64::try_from(granularity.as_secs()).unwrap_or(i64::MAX).max(1);
        ActiveUsers { seen: Arc::default(), granularity }
    }

    /// `user` is active now.
    pub fn seen(&self, user: UserId) {
        self.seen_at(user, unix_now());
    }

    fn seen_at(&self, user: UserId, now: i64) {
        let Ok(mut s) = self.seen.lock() else { return };
        // Written recently enough, and on the same day (a new day needs its own row).
        if s.queued.get(&user).is_some_and(|&t| now - t < self.granularity && same_day(t, now)) {
            return;
        }
        if s.pending.len() >= MAX_PENDING && !s.pending.contains_key(&user) {
            return;
        }
        s.queued.insert(user, now);
        s.pending.insert(user, now);
    }

    /// What was seen since the last take; forgets sightings older than the granularity.
    fn take(&self) -> HashMap<UserId, i64> {
        self.take_at(unix_now())
    }

    fn take_at(&self, now: i64) -> HashMap<UserId, i64> {
        let Ok(mut s) = self.seen.lock() else { return HashMap::new() };
        let horizon = now - self.granularity;
        s.queued.retain(|_, t| *t > horizon);
        std::mem::take(&mut s.pending)
    }

    /// Sightings that could not be written, back for the next time (the newest wins).
    fn restore(&self, seen: HashMap<UserId, i64>) {
        if let Ok(mut s) = self.seen.lock() {
            for (user, t) in seen {
                let at = s.pending.entry(user).or_insert(t);
                *at = (*at).max(t);
            }
        }
    }
}

fn same_day(a: i64, b: i64) -> bool {
    a.div_euclid(DAY_SECS) == b.div_euclid(DAY_SECS)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Writes what `active` saw; on failure the sightings go back for next time.
pub async fn flush(active: &ActiveUsers, pool: &DbPool) {
    let seen = active.take();
    if seen.is_empty() {
        return;
    }
    let (users, at): (Vec<Uuid>, Vec<i64>) = seen.iter().map(|(u, t)| (u.uuid(), *t)).unzip();
    let written = match pool.get().await {
        Ok(mut conn) => diesel::sql_query(
            "INSERT INTO user_activity (day, user_id, last_at) \
             SELECT (to_timestamp(v.t) AT TIME ZONE 'UTC')::date, v.u, to_timestamp(v.t) \
             FROM unnest($1::uuid[], $2::bigint[]) AS v(u, t) \
             ON CONFLICT (day, user_id) DO UPDATE SET last_at = GREATEST(user_activity.last_at, excluded.last_at)",
        )
        .bind::<Array<SqlUuid>, _>(users)
        .bind::<Array<BigInt>, _>(at)
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = written {
        tracing::warn!(error = %e, users = seen.len(), "user activity not written; kept for the next beat");
        active.restore(seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_written_once_per_granularity_and_again_on_a_new_day() {
        let active = ActiveUsers::new(Duration::from_secs(600));
        let u = UserId::from_u128(1);
        let noon = 20_000 * DAY_SECS + 43_200;
        active.seen_at(u, noon);
        active.seen_at(u, noon + 10);
        assert_eq!(active.take_at(noon + 10).get(&u), Some(&noon), "once within the granularity");
        active.seen_at(u, noon + 20);
        assert!(active.take_at(noon + 20).is_empty(), "still within it after the write");
        active.seen_at(u, noon + 700);
        assert_eq!(active.take_at(noon + 700).get(&u), Some(&(noon + 700)), "again past it");
        let before_midnight = 20_001 * DAY_SECS - 5;
        active.seen_at(u, before_midnight);
        active.take_at(before_midnight);
        active.seen_at(u, before_midnight + 10);
        assert_eq!(
            active.take_at(before_midnight + 10).get(&u),
            Some(&(before_midnight + 10)),
            "a new day gets its own row"
        );
    }

    #[test]
    fn restored_sightings_keep_the_newest_time() {
        let active = ActiveUsers::new(Duration::from_secs(600));
        let u = UserId::from_u128(2);
        active.seen_at(u, 1_000);
        let taken = active.take_at(1_000);
        active.seen_at(u, 2_000);
        active.restore(taken);
        assert_eq!(active.take_at(2_000).get(&u), Some(&2_000));
    }
}
