//! Per-user state the rules need: recent send times (flood rules) and timeouts. Timeouts are
//! imposed on one node, applied there at once, told to every node (`NodeEvent::UserTimedOut`)
//! and written to `user_timeouts`, which a node reads when it starts.

use crate::db::DbPool;
use crate::db::schema::user_timeouts;
use crate::infra::events::{NodeBus, NodeEvent};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use veza_core::UserId;

/// Sends remembered per user: enough for the strictest flood rule.
const KEPT_PER_USER: usize = 1001;
/// Users remembered before the idle ones are swept.
const SWEEP_FROM: usize = 100_000;

/// Recent sends per user.
#[derive(Default)]
pub struct Pace {
    sends: Mutex<HashMap<UserId, VecDeque<Instant>>>,
}

impl Pace {
    /// Records a send by `user` now; answers how many they made within `longest` (this one included).
    pub fn record(&self, user: UserId, longest: Duration) -> SendTimes {
        let now = Instant::now();
        let Ok(mut map) = self.sends.lock() else { return SendTimes(Vec::new()) };
        if map.len() > SWEEP_FROM {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < longest));
        }
        let q = map.entry(user).or_default();
        q.push_back(now);
        while q.len() > KEPT_PER_USER || q.front().is_some_and(|t| now.duration_since(*t) > longest) {
            q.pop_front();
        }
        SendTimes(q.iter().map(|t| now.duration_since(*t)).collect())
    }
}

/// How long ago each remembered send was.
pub struct SendTimes(Vec<Duration>);

impl SendTimes {
    pub fn within(&self, per: Duration) -> u32 {
        self.0.iter().filter(|age| **age <= per).count() as u32
    }
}

/// Users timed out, until when; cheap to clone.
#[derive(Clone)]
pub struct Timeouts {
    until: Arc<RwLock<HashMap<UserId, DateTime<Utc>>>>,
    bus: NodeBus,
    /// Where they are kept for nodes that start later (none in unit tests).
    pool: Option<DbPool>,
}

impl Timeouts {
    pub fn new(bus: NodeBus) -> Self {
        Timeouts { until: Arc::default(), bus, pool: None }
    }

    /// Timeouts kept in `pool`: the running ones are read now.
    pub async fn kept_in(bus: NodeBus, pool: DbPool) -> Result<Self, diesel::result::Error> {
        let t = Timeouts { until: Arc::default(), bus, pool: Some(pool.clone()) };
        if let Ok(mut conn) = pool.get().await {
            let rows: Vec<(uuid::Uuid, DateTime<Utc>)> = user_timeouts::table
                .filter(user_timeouts::until.gt(Utc::now()))
                .select((user_timeouts::user_id, user_timeouts::until))
                .load(&mut conn)
                .await?;
            for (user, until) in rows {
                t.apply(UserId(user), until);
            }
        }
        Ok(t)
    }

    /// Until when `user` is timed out, if they are.
    pub fn of(&self, user: UserId) -> Option<DateTime<Utc>> {
        let map = self.until.read().ok()?;
        map.get(&user).copied().filter(|t| *t > Utc::now())
    }

    /// Times `user` out for `d` here and on every node.
    pub fn impose(&self, user: UserId, d: Duration) -> DateTime<Utc> {
        let until = Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::minutes(5));
        self.apply(user, until);
        self.bus.publish(NodeEvent::UserTimedOut { user: user.uuid(), until });
        if let Some(pool) = self.pool.clone() {
            tokio::spawn(async move {
                if let Err(e) = keep(&pool, user, until).await {
                    tracing::warn!(error = %e, %user, "timeout not written; nodes started later will not know it");
                }
            });
        }
        until
    }

    /// A timeout imposed here or on another node.
    pub fn apply(&self, user: UserId, until: DateTime<Utc>) {
        if let Ok(mut map) = self.until.write() {
            let now = Utc::now();
            if map.len() > SWEEP_FROM {
                map.retain(|_, t| *t > now);
            }
            map.insert(user, until);
        }
    }
}

/// Writes a timeout (and forgets the ones that ended a day ago).
async fn keep(
    pool: &DbPool,
    user: UserId,
    until: DateTime<Utc>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = pool.get().await?;
    diesel::insert_into(user_timeouts::table)
        .values((user_timeouts::user_id.eq(user.uuid()), user_timeouts::until.eq(until)))
        .on_conflict(user_timeouts::user_id)
        .do_update()
        .set(user_timeouts::until.eq(until))
        .execute(&mut conn)
        .await?;
    diesel::delete(user_timeouts::table.filter(user_timeouts::until.lt(Utc::now() - chrono::Duration::days(1))))
        .execute(&mut conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_are_counted_within_a_window_and_timeouts_end() {
        let pace = Pace::default();
        let u = UserId::new_v7();
        for _ in 0..3 {
            pace.record(u, Duration::from_secs(10));
        }
        let times = pace.record(u, Duration::from_secs(10));
        assert_eq!(times.within(Duration::from_secs(10)), 4);
        assert_eq!(pace.record(UserId::new_v7(), Duration::from_secs(10)).within(Duration::from_secs(10)), 1);
        let (inbox, _rx) = crate::infra::events::inbox();
        let t = Timeouts::new(NodeBus::new(inbox, None));
        assert!(t.of(u).is_none());
        t.impose(u, Duration::from_secs(60));
        assert!(t.of(u).is_some());
        t.apply(u, Utc::now() - chrono::Duration::seconds(1));
        assert!(t.of(u).is_none(), "ended");
    }
}
