//! Revocation that reaches access tokens: sessions revoked within one access-token lifetime
//! and users who are not active. Kept in process, refreshed from PostgreSQL every
//! `auth.denylist_refresh_ms`, and updated at once for revocations made on this node.

use crate::db::DbPool;
use crate::db::schema::{auth_sessions, users};
use chrono::{Duration as ChronoDuration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Clone, Default)]
pub struct Denylist {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Default)]
struct Inner {
    /// Session id -> when its tokens have all expired anyway.
    sessions: HashMap<Uuid, Instant>,
    /// Users whose status is not `active`.
    users: HashSet<Uuid>,
}

impl Denylist {
    pub fn is_denied(&self, sid: Uuid, user: Uuid) -> bool {
        self.inner.read().map(|i| i.sessions.contains_key(&sid) || i.users.contains(&user)).unwrap_or(true)
    }

    /// This node revoked a session: deny it now, not at the next refresh.
    pub fn revoke_session(&self, sid: Uuid, ttl: Duration) {
        if let Ok(mut i) = self.inner.write() {
            i.sessions.insert(sid, Instant::now() + ttl);
        }
    }

    /// This node disabled a user.
    pub fn deny_user(&self, user: Uuid) {
        if let Ok(mut i) = self.inner.write() {
            i.users.insert(user);
        }
    }

    /// Reloads from PostgreSQL: sessions revoked within `ttl`, and every inactive user.
    pub async fn refresh(&self, pool: &DbPool, ttl: Duration) -> Result<(), diesel::result::Error> {
        let Ok(mut conn) = pool.get().await else {
            return Ok(()); // the database is away: keep what we know
        };
        let since = Utc::now() - ChronoDuration::from_std(ttl).unwrap_or(ChronoDuration::minutes(15));
        let revoked: Vec<(Uuid, Option<chrono::DateTime<Utc>>)> = auth_sessions::table
            .filter(auth_sessions::revoked_at.gt(since))
            .select((auth_sessions::id, auth_sessions::revoked_at))
            .load(&mut conn)
            .await?;
        let inactive: Vec<Uuid> = users::table
            .filter(users::status.ne(super::model::STATUS_ACTIVE))
            .select(users::id)
            .load(&mut conn)
            .await?;
        let now_utc = Utc::now();
        let now = Instant::now();
        if let Ok(mut i) = self.inner.write() {
            i.sessions.retain(|_, until| *until > now);
            for (sid, at) in revoked {
                let age = at.map(|a| (now_utc - a).to_std().unwrap_or_default()).unwrap_or_default();
                i.sessions.entry(sid).or_insert(now + ttl.saturating_sub(age));
            }
            i.users = inactive.into_iter().collect();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_sessions_and_denied_users_are_refused() {
        let d = Denylist::default();
        let (sid, uid) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(!d.is_denied(sid, uid));
        d.revoke_session(sid, Duration::from_secs(60));
        assert!(d.is_denied(sid, Uuid::now_v7()));
        d.deny_user(uid);
        assert!(d.is_denied(Uuid::now_v7(), uid));
    }
}
