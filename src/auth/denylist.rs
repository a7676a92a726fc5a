//! Revocation that reaches access tokens: sessions revoked within one access-token lifetime
//! and users who are not active. Kept in process (every request checks it without I/O).
//! A revocation is applied here at once, told to every node over `node.broadcast`, and
//! written to Redis (a sorted set scored by expiry) when configured; each node rereads that
//! set every `auth.denylist_refresh_ms` and PostgreSQL, the source of truth, less often.

use super::repo::denylist as repo;
use crate::db::DbPool;
use crate::infra::events::{NodeBus, NodeEvent};
use crate::infra::redis::Redis;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Clone)]
pub struct Denylist {
    inner: Arc<RwLock<Inner>>,
    /// How revocations reach the other nodes.
    bus: NodeBus,
    redis: Option<Redis>,
}

/// Until when a user is refused: `None` until someone lifts it.
pub type DeniedUntil = Option<DateTime<Utc>>;

/// Denials and allowances heard at most this many at once between two reloads.
const HEARD_MAX: usize = 10_000;

#[derive(Default)]
struct Inner {
    /// Session id -> when its tokens have all expired anyway.
    sessions: HashMap<Uuid, Instant>,
    /// Users whose status is not `active`, and until when. A suspension with an end stops
    /// being refused at that time on every node by itself: no event has to arrive.
    users: HashMap<Uuid, DeniedUntil>,
    /// Denials (`Some`) and allowances (`None`) applied lately: a reload whose query ran
    /// before one of them must not undo it.
    heard: VecDeque<(Instant, Uuid, Option<DeniedUntil>)>,
}

impl Inner {
    fn set_user(&mut self, user: Uuid, state: Option<DeniedUntil>) {
        match state {
            Some(until) => self.users.insert(user, until),
            None => self.users.remove(&user),
        };
        if self.heard.len() >= HEARD_MAX {
            self.heard.pop_front();
        }
        self.heard.push_back((Instant::now(), user, state));
    }
}

impl Denylist {
    pub fn is_denied(&self, sid: Uuid, user: Uuid) -> bool {
        self.inner
            .read()
            .map(|i| {
                i.sessions.contains_key(&sid)
                    || i.users.get(&user).is_some_and(|until| until.is_none_or(|t| Utc::now() < t))
            })
            .unwrap_or(true)
    }

    /// A denylist whose revocations reach the other nodes through `bus` (and `redis`).
    pub fn new(bus: NodeBus, redis: Option<Redis>) -> Self {
        Denylist { inner: Arc::default(), bus, redis }
    }

    /// This node revoked a session: deny it now here, and tell the others.
    pub fn revoke_session(&self, sid: Uuid, ttl: Duration) {
        self.apply_revocation(sid, ttl);
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        self.bus.publish(NodeEvent::SessionRevoked { session: sid, ttl_ms });
        if let Some(redis) = self.redis.clone() {
            tokio::spawn(async move {
                if let Err(e) = store_revocation(&redis, sid, ttl).await {
                    tracing::warn!(error = %e, "denylist not written to redis; other nodes reread PostgreSQL");
                }
            });
        }
    }

    /// A revocation made here or on another node.
    pub fn apply_revocation(&self, sid: Uuid, ttl: Duration) {
        if let Ok(mut i) = self.inner.write() {
            i.sessions.insert(sid, Instant::now() + ttl);
        }
    }

    /// This node disabled a user (until `until`, or until lifted): deny now here, and tell
    /// the others.
    pub fn deny_user(&self, user: Uuid, until: DeniedUntil) {
        self.apply_user_denial(user, until);
        self.bus.publish(NodeEvent::UserDenied { user, until });
    }

    pub fn apply_user_denial(&self, user: Uuid, until: DeniedUntil) {
        if let Ok(mut i) = self.inner.write() {
            i.set_user(user, Some(until));
        }
    }

    /// This node made a user active again (a lifted suspension or ban): tell the others.
    pub fn allow_user(&self, user: Uuid) {
        self.apply_user_allowance(user);
        self.bus.publish(NodeEvent::UserAllowed { user });
    }

    pub fn apply_user_allowance(&self, user: Uuid) {
        if let Ok(mut i) = self.inner.write() {
            i.set_user(user, None);
        }
    }

    /// Rereads the revocations other nodes wrote to Redis (when configured); returns false
    /// when Redis did not answer.
    pub async fn refresh_from_redis(&self) -> bool {
        let Some(redis) = self.redis.clone() else { return false };
        match load_revocations(&redis).await {
            Ok(rows) => {
                let now_ms = Utc::now().timestamp_millis();
                for (sid, until_ms) in rows {
                    let left = Duration::from_millis(u64::try_from(until_ms - now_ms).unwrap_or(0));
                    self.apply_revocation(sid, left);
                }
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "denylist: redis unavailable");
                false
            }
        }
    }

    /// Reloads from PostgreSQL: sessions revoked within `ttl`, and every inactive user.
    pub async fn refresh(&self, pool: &DbPool, ttl: Duration) -> Result<(), diesel::result::Error> {
        let Ok(mut conn) = pool.get().await else {
            return Ok(()); // the database is away: keep what we know
        };
        let since = Utc::now() - ChronoDuration::from_std(ttl).unwrap_or(ChronoDuration::minutes(15));
        let asked = Instant::now();
        let revoked = repo::revoked_since(&mut conn, since).await?;
        let inactive = repo::inactive_users(&mut conn).await?;
        let now_utc = Utc::now();
        let now = Instant::now();
        if let Ok(mut i) = self.inner.write() {
            i.sessions.retain(|_, until| *until > now);
            for (sid, at) in revoked {
                let age = at.map(|a| (now_utc - a).to_std().unwrap_or_default()).unwrap_or_default();
                i.sessions.entry(sid).or_insert(now + ttl.saturating_sub(age));
            }
            i.users = inactive.into_iter().collect();
            // What was heard while the query ran is newer than what it read.
            i.heard.retain(|(at, _, _)| *at >= asked);
            let heard = std::mem::take(&mut i.heard);
            for (_, user, state) in &heard {
                match state {
                    Some(until) => i.users.insert(*user, *until),
                    None => i.users.remove(user),
                };
            }
            i.heard = heard;
        }
        Ok(())
    }
}

const REVOKED: &str = "denylist:sessions";

async fn store_revocation(redis: &Redis, sid: Uuid, ttl: Duration) -> Result<(), crate::infra::redis::RedisError> {
    let until = Utc::now().timestamp_millis() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let mut conn = redis.connection().await?;
    let key = redis.key(REVOKED);
    let mut pipe = redis::pipe();
    pipe.zadd(&key, sid.to_string(), until).ignore();
    pipe.zrembyscore(&key, "-inf", Utc::now().timestamp_millis()).ignore();
    redis.timed(pipe.query_async::<()>(&mut conn)).await
}

/// Live revocations: (session, until in Unix ms).
async fn load_revocations(redis: &Redis) -> Result<Vec<(Uuid, i64)>, crate::infra::redis::RedisError> {
    let mut conn = redis.connection().await?;
    let now = Utc::now().timestamp_millis();
    let cmd = redis::cmd("ZRANGEBYSCORE").arg(redis.key(REVOKED)).arg(now).arg("+inf").arg("WITHSCORES").clone();
    let rows: Vec<(String, f64)> = redis.timed(cmd.query_async(&mut conn)).await?;
    Ok(rows.into_iter().filter_map(|(sid, until)| Some((sid.parse().ok()?, until as i64))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_sessions_and_denied_users_are_refused() {
        let (inbox, _rx) = crate::infra::events::inbox();
        let d = Denylist::new(NodeBus::new(inbox, None), None);
        let (sid, uid) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(!d.is_denied(sid, uid));
        d.revoke_session(sid, Duration::from_secs(60));
        assert!(d.is_denied(sid, Uuid::now_v7()));
        d.deny_user(uid, None);
        assert!(d.is_denied(Uuid::now_v7(), uid));
        d.allow_user(uid);
        assert!(!d.is_denied(Uuid::now_v7(), uid));
    }

    #[test]
    fn a_suspension_with_an_end_lifts_itself() {
        let (inbox, _rx) = crate::infra::events::inbox();
        let d = Denylist::new(NodeBus::new(inbox, None), None);
        let (ended, running) = (Uuid::now_v7(), Uuid::now_v7());
        d.deny_user(ended, Some(Utc::now() - ChronoDuration::seconds(1)));
        d.deny_user(running, Some(Utc::now() + ChronoDuration::hours(1)));
        assert!(!d.is_denied(Uuid::now_v7(), ended));
        assert!(d.is_denied(Uuid::now_v7(), running));
    }
}
