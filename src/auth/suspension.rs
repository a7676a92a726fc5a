//! Suspensions that end by themselves. Each node's denylist stops refusing the user at the end
//! time on its own (the denial carries it, `NodeEvent::UserDenied { until }`); this makes the
//! account `active` again in PostgreSQL: at once when the user signs in, and for everyone whose
//! time has come every `auth.suspension_check_secs` (`SuspensionLifter`, on every node; each
//! row is lifted, audited and announced once).

use super::denylist::Denylist;
use super::repo;
use crate::audit::{self, AuditEntry};
use crate::db::DbPool;
use actix::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::time::Duration;
use veza_core::UserId;

/// Who noticed the end: the user's own sign-in, or the periodic check.
#[derive(Debug, Clone, Copy)]
pub enum LiftedBy {
    Login,
    Schedule,
}

impl LiftedBy {
    fn as_str(self) -> &'static str {
        match self {
            LiftedBy::Login => "login",
            LiftedBy::Schedule => "schedule",
        }
    }
}

/// Lifts the suspensions that have ended (only `only`'s when given), audited in the same
/// transaction; every node hears of it. Returns the users made active.
pub async fn lift_ended(
    conn: &mut AsyncPgConnection,
    denylist: &Denylist,
    only: Option<UserId>,
    by: LiftedBy,
) -> diesel::QueryResult<Vec<UserId>> {
    let lifted = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            let ids = repo::lift_ended_suspensions(conn, only).await?;
            for id in &ids {
                let entry = AuditEntry::new("user.suspension_ended")
                    .target("user", *id)
                    .data(serde_json::json!({ "by": by.as_str() }));
                audit::record(conn, entry).await?;
            }
            Ok(ids)
        })
        .await?;
    for id in &lifted {
        denylist.allow_user(id.uuid());
    }
    Ok(lifted)
}

/// Lifts ended suspensions on its clock.
pub struct SuspensionLifter {
    pool: DbPool,
    denylist: Denylist,
    every: Duration,
}

impl SuspensionLifter {
    pub fn new(pool: DbPool, denylist: Denylist, every: Duration) -> Self {
        SuspensionLifter { pool, denylist, every }
    }
}

impl Actor for SuspensionLifter {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.every, |this, ctx| {
            let (pool, denylist) = (this.pool.clone(), this.denylist.clone());
            ctx.spawn(
                async move {
                    let Ok(mut conn) = pool.get().await else { return };
                    match lift_ended(&mut conn, &denylist, None, LiftedBy::Schedule).await {
                        Ok(ids) if !ids.is_empty() => tracing::info!(users = ids.len(), "suspensions ended"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "lifting ended suspensions failed; the next tick retries"),
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for SuspensionLifter {}
