//! The admin users list and changes of standing, on `AdminService`.
//!
//! A change locks the active admins' rows, then the account's (the order account deletion takes
//! too), decides (`model::decide`), writes, revokes the sessions and audits in one transaction.
//! After the commit every node hears it: each session's tokens refused (`SessionRevoked`), the
//! user refused until the suspension's end or allowed again (`UserDenied` / `UserAllowed`), so
//! live sockets close 1008 within `chat.auth_check`; new roles need a new login (roles travel
//! in the token), which the revoked sessions force.

use super::model::*;
use super::repo;
use crate::admin::model::AdminError;
use crate::admin::service::AdminCore;
use crate::audit::{self, AuditEntry};
use crate::auth::model::UserStatus;
use crate::auth::repo as auth_repo;
use crate::state::AppState;
use crate::users;
use crate::web::client::ClientInfo;
use actix::Message;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;
use veza_core::UserId;

/// A page of accounts.
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<AdminUser>, AdminError>")]
pub struct ListUsers {
    pub filter: UserFilter,
    pub limit: i64,
}

/// Change an account's status, suspension end or roles.
#[derive(Debug, Message)]
#[rtype(result = "Result<AdminUser, AdminError>")]
pub struct ChangeStanding {
    pub actor: Acting,
    pub target: UserId,
    pub patch: CheckedPatch,
    pub client: ClientInfo,
}

crate::delegate_to_core!(AdminCore {
    ListUsers => list_users,
    ChangeStanding => change_standing,
});

/// What the transaction changed that the nodes must hear once it has committed (`announce`).
#[derive(Debug)]
pub struct Changed {
    before: CurrentStanding,
    after: NewStanding,
    sessions: Vec<Uuid>,
}

impl AdminCore {
    pub async fn list_users(&self, m: ListUsers) -> Result<Vec<AdminUser>, AdminError> {
        let mut conn = self.conn().await?;
        Ok(repo::list(&mut conn, &m.filter, m.limit).await?)
    }

    pub async fn change_standing(&self, m: ChangeStanding) -> Result<AdminUser, AdminError> {
        let mut conn = self.conn().await?;
        let (actor, target, patch, client) = (m.actor, m.target, m.patch, m.client);
        let changed = conn
            .transaction::<_, AdminError, _>(async |conn| change(conn, actor, target, &patch, &client).await)
            .await?;
        if let Some(c) = changed {
            announce(&self.state, &c);
        }
        repo::one(&mut conn, target, actor.admin).await?.ok_or(AdminError::NotFound)
    }
}

/// After the commit, every node hears the change, this one first.
pub fn announce(state: &AppState, c: &Changed) {
    let denylist = &state.denylist;
    let ttl = Duration::from_secs(state.config.jwt.access_ttl_secs);
    for sid in &c.sessions {
        denylist.revoke_session(*sid, ttl);
    }
    let target = c.before.id;
    match (c.before.status, c.after.status) {
        (_, UserStatus::Suspended | UserStatus::Banned) => denylist.deny_user(target.uuid(), c.after.suspended_until),
        (UserStatus::Suspended | UserStatus::Banned, UserStatus::Active) => denylist.allow_user(target.uuid()),
        _ => {}
    }
    state.cache.invalidate(&users::model::profile_cache_key(&target.to_string()));
}

/// The change, in the caller's transaction (the reports' resolutions take it too); `None`
/// when it changes nothing.
pub async fn change(
    conn: &mut AsyncPgConnection,
    actor: Acting,
    target: UserId,
    patch: &CheckedPatch,
    client: &ClientInfo,
) -> Result<Option<Changed>, AdminError> {
    let admins = users::repo::lock_active_admins(conn).await?;
    let before = repo::lock(conn, target).await?.ok_or(AdminError::NotFound)?;
    let after = decide(actor, &before, patch, &admins)?;
    if !after.differs_from(&before) {
        return Ok(None);
    }
    let status_changed = after.status != before.status;
    repo::set(conn, target, &after, status_changed).await?;
    let roles_changed = after.roles != before.roles;
    let sessions = if after.status != UserStatus::Active || roles_changed {
        let why =
            if roles_changed && after.status == UserStatus::Active { "roles_changed" } else { after.status.as_str() };
        auth_repo::revoke_all_sessions(conn, target, why).await?
    } else {
        Vec::new()
    };
    let reason = patch.reason.as_deref();
    let entry = |action| AuditEntry::new(action).actor(actor.id).target("user", target).from(client);
    if status_changed || after.suspended_until != before.suspended_until {
        let action = match after.status {
            UserStatus::Suspended => "user.suspended",
            UserStatus::Banned => "user.banned",
            _ => "user.reactivated",
        };
        let data = json!({ "from": before.status, "until": after.suspended_until, "reason": reason,
            "sessions_revoked": sessions.len() });
        audit::record(conn, entry(action).data(data)).await?;
    }
    if roles_changed {
        let data = json!({ "from": before.roles, "to": after.roles, "reason": reason });
        audit::record(conn, entry("user.roles_changed").data(data)).await?;
    }
    Ok(Some(Changed { before, after, sessions }))
}
