//! The accounts service: deleting an account, for its owner and for admins alike.

use super::model::*;
use crate::audit::{self, AuditEntry};
use crate::auth::model::AuthFault;
use crate::auth::model::UserStatus;
use crate::auth::repo as auth_repo;
use crate::auth::service::password_failure_quota;
use crate::db::{PooledConn, checkout};
use crate::ratelimit::Decision;
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::web::client::ClientInfo;
use crate::{activity, chat, listings, offers, users};
use actix::prelude::*;
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;
use veza_core::{ListingId, OfferId, UserId};

pub struct AccountCore {
    pub state: AppState,
}

/// The accounts service actor (one per HTTP worker).
pub type AccountService = Service<AccountCore>;

impl Core for AccountCore {
    fn new(state: AppState) -> Self {
        AccountCore { state }
    }
}

/// Deletes `target`'s account: a soft delete, everything personal erased, every session
/// revoked, the user refused on every node at once.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AccountError>")]
pub struct DeleteAccount {
    pub target: UserId,
    pub by: DeletedBy,
    pub client: ClientInfo,
}

crate::delegate_to_core!(AccountCore {
    DeleteAccount => delete_account,
});

/// What the deletion changed that others must hear about once it has committed.
struct Erased {
    username: String,
    sessions: Vec<Uuid>,
    listings: Vec<ListingId>,
    offers: Vec<OfferId>,
}

impl AccountCore {
    async fn conn(&self) -> Result<PooledConn<'_>, AccountError> {
        Ok(checkout(&self.state.pool).await?)
    }

    pub async fn delete_account(&self, m: DeleteAccount) -> Result<(), AccountError> {
        let mut conn = self.conn().await?;
        if let DeletedBy::Owner { session, password } = &m.by {
            self.check_owner(&mut conn, m.target, *session, password.clone()).await?;
        }
        let (target, by, client) = (m.target, m.by, m.client);
        let erased =
            conn.transaction::<_, AccountError, _>(async |conn| erase(conn, target, &by, &client).await).await?;
        // Refused on every node at once: each session's access tokens, then the user.
        let ttl = Duration::from_secs(self.state.config.jwt.access_ttl_secs);
        for sid in &erased.sessions {
            self.state.denylist.revoke_session(*sid, ttl);
        }
        self.state.denylist.deny_user(target.uuid(), None);
        let cache = &self.state.cache;
        cache.invalidate(&users::model::profile_cache_key(&target.to_string()));
        cache.invalidate(&users::model::profile_cache_key(&erased.username));
        for id in &erased.listings {
            cache.invalidate(&listings::repo::cache_key(*id));
        }
        offers::events::announce_updated(&mut conn, &self.state.realtime, &self.state.metrics, &erased.offers).await;
        Ok(())
    }

    /// The owner proves they are at the keyboard: their password, or a login under 10 minutes old.
    async fn check_owner(
        &self,
        conn: &mut AsyncPgConnection,
        user: UserId,
        session: Uuid,
        password: Option<String>,
    ) -> Result<(), AccountError> {
        match password {
            Some(password) => {
                // Wrong passwords count against the account like failed logins: a stolen access
                // token must not turn this into a password oracle.
                let (key, quota) = (format!("password:fail:{user}"), password_failure_quota(&self.state.config.auth));
                if let Decision::Limited { retry_after } = self.state.limiter.peek(&key, quota).await {
                    return Err(AccountError::Feature(AuthFault::RateLimited { retry_after }));
                }
                let stored = auth_repo::user_by_id(conn, user).await?.and_then(|u| u.password_hash);
                if !self.state.hasher.verify(password, stored).await? {
                    let _ = self.state.limiter.check(&key, quota).await;
                    return Err(wrong_password());
                }
            }
            None => {
                let started = auth_repo::session_started(conn, user, session).await?;
                let recent = started.is_some_and(|at| (Utc::now() - at).num_seconds() < RECENT_LOGIN_SECS);
                if !recent {
                    return Err(reauthentication_required());
                }
            }
        }
        Ok(())
    }
}

/// The deletion's one transaction. The active admins' rows are locked first, then the
/// account's (the order every change of standing takes, so two of them cannot deadlock): two
/// deletions, or a deletion and a demotion, of the last admin cannot both pass.
async fn erase(
    conn: &mut AsyncPgConnection,
    target: UserId,
    by: &DeletedBy,
    client: &ClientInfo,
) -> Result<Erased, AccountError> {
    let admins = users::repo::lock_active_admins(conn).await?;
    let status = users::repo::lock_standing(conn, target).await?.ok_or(AccountError::NotFound)?.status;
    if status == UserStatus::Deleted {
        return Err(AccountError::NotFound);
    }
    if admins.contains(&target) && admins.len() == 1 {
        return Err(last_admin());
    }
    let username = users::repo::username(conn, target).await?.unwrap_or_default();
    // Off the market first: their listings archived, then every offer in play cancelled (a
    // listing they had reserved as a buyer goes back on sale).
    let mut listings = listings::repo::archive_all_of(conn, target).await?;
    let (offers, reopened) = offers::events::cancel_all_of(conn, target).await?;
    listings.extend(reopened);
    chat::repo::leave_all_rooms(conn, target).await?;
    users::repo::forget_relations(conn, target).await?;
    auth_repo::forget_credentials(conn, target).await?;
    let sessions = auth_repo::revoke_all_sessions(conn, target, "account_deleted").await?;
    activity::forget(conn, target).await?;
    users::repo::erase(conn, target).await?;
    let entry =
        AuditEntry::new("account.deleted").actor(by.actor(target)).target("user", target).from(client).data(
            json!({ "by": by.as_str(), "sessions_revoked": sessions.len(), "listings_archived": listings.len() }),
        );
    audit::record(conn, entry).await?;
    Ok(Erased { username, sessions, listings, offers })
}
