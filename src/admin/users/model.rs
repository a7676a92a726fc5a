//! Accounts as the admin area sees them, the list's filters, and the rules of a change of
//! standing (status, suspension end, roles): who may do what to whom.

use crate::admin::model::AdminError;
use crate::auth::AuthUser;
use crate::auth::model::{Role, UserStatus};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use veza_core::text::TextRule;
use veza_core::{Code, UserId};

/// An account in the admin list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdminUser {
    pub id: Uuid,
    pub username: String,
    /// Admins only: `null` for moderators.
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub roles: Vec<String>,
    pub status: UserStatus,
    /// When a suspension ends by itself; `null` when it does not (or there is none).
    pub suspended_until: Option<DateTime<Utc>>,
    pub status_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// `GET /admin/users`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// A prefix of the username, or (admins) of the email; case-insensitive.
    #[param(min_length = 1, max_length = 254)]
    pub q: Option<String>,
    /// Accounts with this role.
    pub role: Option<Role>,
    /// Accounts in this standing.
    pub status: Option<UserStatus>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// What the list reads: newest accounts first.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Lowercase, LIKE wildcards escaped.
    pub prefix: Option<String>,
    /// The prefix also matches emails (admins).
    pub emails: bool,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    /// Accounts created before this one (ids are time-ordered).
    pub before: Option<UserId>,
}

impl UserListParams {
    pub fn filter(&self, emails: bool) -> Result<UserFilter, AdminError> {
        let prefix = match self.q.as_deref().map(str::trim) {
            None => None,
            Some(q) if q.is_empty() || q.chars().count() > 254 => {
                return Err(AdminError::invalid("q", "1 to 254 characters"));
            }
            Some(q) => Some(like_escaped(&q.to_lowercase())),
        };
        let before = match self.cursor.as_deref() {
            None => None,
            Some(c) => Some(UserId(
                Uuid::parse_str(c).map_err(|_| AdminError::invalid("cursor", "not a cursor of this list"))?,
            )),
        };
        Ok(UserFilter { prefix, emails, role: self.role, status: self.status, before })
    }
}

/// `q` matched literally: `%`, `_` and `\` are not patterns.
fn like_escaped(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The standings `PATCH` can set (`deleted` goes through `DELETE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    Active,
    Suspended,
    Banned,
}

impl From<Standing> for UserStatus {
    fn from(s: Standing) -> Self {
        match s {
            Standing::Active => UserStatus::Active,
            Standing::Suspended => UserStatus::Suspended,
            Standing::Banned => UserStatus::Banned,
        }
    }
}

/// `PATCH /admin/users/{id}`: any of these.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandingPatch {
    /// The whole set of roles (`user` is always kept). Admins only.
    pub roles: Option<Vec<Role>>,
    pub status: Option<Standing>,
    /// With `status: suspended`: when the suspension ends by itself (in the future, within 10
    /// years); omitted, it lasts until lifted.
    pub suspended_until: Option<DateTime<Utc>>,
    /// Why, kept in the audit trail.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A reason: prose of at most 500 characters.
const REASON: TextRule = TextRule::prose(1, 500);

/// The longest suspension with an end.
const LONGEST_SUSPENSION_DAYS: i64 = 3650;

/// A patch whose fields are each valid.
#[derive(Debug, Clone)]
pub struct CheckedPatch {
    pub roles: Option<Vec<String>>,
    pub status: Option<UserStatus>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

impl StandingPatch {
    pub fn check(self, now: DateTime<Utc>) -> Result<CheckedPatch, AdminError> {
        if self.roles.is_none() && self.status.is_none() {
            return Err(AdminError::invalid("status", "give `status`, `roles` or both"));
        }
        if let Some(until) = self.suspended_until {
            if self.status != Some(Standing::Suspended) {
                return Err(AdminError::invalid("suspended_until", "only with `status: suspended`"));
            }
            if until <= now || until > now + Duration::days(LONGEST_SUSPENSION_DAYS) {
                return Err(AdminError::invalid("suspended_until", "in the future, within 10 years"));
            }
        }
        let reason = match self.reason.as_deref().map(|r| REASON.check(r)) {
            None => None,
            Some(Ok(r)) => Some(r.to_owned()),
            Some(Err(_)) => return Err(AdminError::invalid("reason", "1 to 500 characters")),
        };
        let roles = self.roles.map(|r| role_set(&r));
        Ok(CheckedPatch { roles, status: self.status.map(Into::into), suspended_until: self.suspended_until, reason })
    }
}

/// Roles as stored: `user` first, each once, lowest first.
fn role_set(asked: &[Role]) -> Vec<String> {
    let mut roles: Vec<Role> = asked.to_vec();
    roles.push(Role::User);
    roles.sort();
    roles.dedup();
    roles.into_iter().map(|r| r.as_str().to_owned()).collect()
}

/// An account's standing, as locked for a change.
#[derive(Debug, Clone)]
pub struct CurrentStanding {
    pub id: UserId,
    pub status: UserStatus,
    pub roles: Vec<String>,
    pub suspended_until: Option<DateTime<Utc>>,
}

/// Who asks for the change.
#[derive(Debug, Clone, Copy)]
pub struct Acting {
    pub id: UserId,
    /// Holds the admin role (else a moderator).
    pub admin: bool,
}

impl Acting {
    /// The caller, as their token says.
    pub fn of(user: &AuthUser) -> Acting {
        Acting { id: user.id, admin: user.has(Role::Admin) }
    }
}

/// The standing a change leads to, once allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStanding {
    pub status: UserStatus,
    pub suspended_until: Option<DateTime<Utc>>,
    pub roles: Vec<String>,
}

fn is_admin(roles: &[String]) -> bool {
    roles.iter().any(|r| r == Role::Admin.as_str())
}

fn forbidden(detail: &'static str) -> AdminError {
    AdminError::forbidden(Code::Forbidden, detail)
}

/// Decides a change of standing. `admins` are the active admins, locked before the target.
pub fn decide(
    actor: Acting,
    target: &CurrentStanding,
    patch: &CheckedPatch,
    admins: &[UserId],
) -> Result<NewStanding, AdminError> {
    if target.status == UserStatus::Deleted {
        return Err(AdminError::NotFound);
    }
    // Roles travel in tokens: an admin demoted a moment ago may still hold one until it is refused.
    if actor.admin && !admins.contains(&actor.id) {
        return Err(forbidden("this token's admin role is no longer held"));
    }
    let status = patch.status.unwrap_or(target.status);
    let suspended_until = match (status, patch.status) {
        (UserStatus::Suspended, Some(_)) => patch.suspended_until,
        (UserStatus::Suspended, None) => target.suspended_until,
        _ => None,
    };
    let roles = patch.roles.clone().unwrap_or_else(|| target.roles.clone());
    let next = NewStanding { status, suspended_until, roles };
    if !actor.admin {
        if patch.roles.is_some() {
            return Err(forbidden("role changes are for admins"));
        }
        if status == UserStatus::Banned || target.status == UserStatus::Banned {
            return Err(forbidden("bans are for admins"));
        }
        if target.roles.iter().any(|r| r != Role::User.as_str()) {
            return Err(forbidden("moderators act only on accounts whose only role is user"));
        }
    }
    let loses_admin = admins.contains(&target.id) && (status != UserStatus::Active || !is_admin(&next.roles));
    if loses_admin && target.id == actor.id {
        return Err(AdminError::conflict(Code::OwnAccount, "admins cannot suspend, ban or demote themselves"));
    }
    if loses_admin && admins.len() == 1 {
        return Err(AdminError::conflict(Code::LastAdmin, "this is the last active admin; make another admin first"));
    }
    Ok(next)
}

impl NewStanding {
    pub fn differs_from(&self, target: &CurrentStanding) -> bool {
        self.status != target.status || self.suspended_until != target.suspended_until || self.roles != target.roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(roles: &[&str], status: UserStatus) -> CurrentStanding {
        CurrentStanding {
            id: UserId(Uuid::now_v7()),
            status,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            suspended_until: None,
        }
    }

    fn patch(status: Option<UserStatus>, roles: Option<&[&str]>) -> CheckedPatch {
        CheckedPatch {
            status,
            roles: roles.map(|r| r.iter().map(|s| (*s).to_owned()).collect()),
            suspended_until: None,
            reason: None,
        }
    }

    fn code(r: Result<NewStanding, AdminError>) -> Option<Code> {
        match r {
            Err(AdminError::Forbidden(c, _) | AdminError::Conflict(c, _)) => Some(c),
            _ => None,
        }
    }

    #[test]
    fn moderators_suspend_plain_users_only() {
        let moderator = Acting { id: UserId(Uuid::now_v7()), admin: false };
        let user = standing(&["user"], UserStatus::Active);
        let suspend = patch(Some(UserStatus::Suspended), None);
        assert!(decide(moderator, &user, &suspend, &[]).is_ok());
        let other_mod = standing(&["user", "moderator"], UserStatus::Active);
        assert_eq!(code(decide(moderator, &other_mod, &suspend, &[])), Some(Code::Forbidden));
        let ban = patch(Some(UserStatus::Banned), None);
        assert_eq!(code(decide(moderator, &user, &ban, &[])), Some(Code::Forbidden));
        let promote = patch(None, Some(&["user", "moderator"]));
        assert_eq!(code(decide(moderator, &user, &promote, &[])), Some(Code::Forbidden));
        let banned = standing(&["user"], UserStatus::Banned);
        let lift = patch(Some(UserStatus::Active), None);
        assert_eq!(code(decide(moderator, &banned, &lift, &[])), Some(Code::Forbidden));
    }

    #[test]
    fn the_last_admin_and_oneself_stay() {
        let me = standing(&["user", "admin"], UserStatus::Active);
        let actor = Acting { id: me.id, admin: true };
        let other = standing(&["user", "admin"], UserStatus::Active);
        let demote = patch(None, Some(&["user"]));
        assert_eq!(code(decide(actor, &me, &demote, &[me.id, other.id])), Some(Code::OwnAccount));
        let ban = patch(Some(UserStatus::Banned), None);
        assert_eq!(code(decide(actor, &me, &ban, &[me.id])), Some(Code::OwnAccount));
        // Another admin, not the last: allowed; the only one (the actor holding a stale token): refused.
        assert!(decide(actor, &other, &demote, &[me.id, other.id]).is_ok());
        let stale = Acting { id: UserId(Uuid::now_v7()), admin: true };
        assert_eq!(code(decide(stale, &other, &demote, &[other.id])), Some(Code::Forbidden));
        // Adding a role to oneself is fine.
        assert!(decide(actor, &me, &patch(None, Some(&["user", "moderator", "admin"])), &[me.id]).is_ok());
    }

    #[test]
    fn patches_are_checked() {
        let now = Utc::now();
        let empty = StandingPatch::default();
        assert!(empty.check(now).is_err());
        let until_without_suspension = StandingPatch {
            status: Some(Standing::Banned),
            suspended_until: Some(now + Duration::hours(1)),
            ..StandingPatch::default()
        };
        assert!(until_without_suspension.check(now).is_err());
        let past =
            StandingPatch { status: Some(Standing::Suspended), suspended_until: Some(now), ..StandingPatch::default() };
        assert!(past.check(now).is_err());
        let roles = StandingPatch { roles: Some(vec![Role::Admin, Role::Admin]), ..StandingPatch::default() };
        assert_eq!(roles.check(now).ok().and_then(|p| p.roles), Some(vec!["user".to_owned(), "admin".to_owned()]));
        assert_eq!(like_escaped("a_b%c\\"), "a\\_b\\%c\\\\");
    }
}
