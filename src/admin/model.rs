//! The admin area's query strings, checked into the filters the features read with.

use crate::audit::model::{ActionFilter, AuditFilter};
use crate::error::DomainError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// The admin area has no failure of its own yet.
pub type AdminError = DomainError;

/// `GET /admin/audit`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Who acted.
    pub actor: Option<Uuid>,
    /// An action (`auth.login_failed`), or every action under a prefix ending in `.` (`auth.`).
    #[param(pattern = r"^[a-z_.]{1,64}$")]
    pub action: Option<String>,
    /// The target's id, or `type:id` (`user:0193…`).
    #[param(min_length = 1, max_length = 160)]
    pub target: Option<String>,
    /// From this time on.
    pub since: Option<DateTime<Utc>>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `GET /admin/audit/export`: the list's filters, the whole of what matches.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditExportParams {
    /// Who acted.
    pub actor: Option<Uuid>,
    /// An action, or every action under a prefix ending in `.`.
    #[param(pattern = r"^[a-z_.]{1,64}$")]
    pub action: Option<String>,
    /// The target's id, or `type:id`.
    #[param(min_length = 1, max_length = 160)]
    pub target: Option<String>,
    /// From this time on.
    pub since: Option<DateTime<Utc>>,
}

impl AuditParams {
    pub fn filter(&self) -> Result<AuditFilter, AdminError> {
        filter(self.actor, self.action.as_deref(), self.target.as_deref(), self.since)
    }
}

impl AuditExportParams {
    pub fn filter(&self) -> Result<AuditFilter, AdminError> {
        filter(self.actor, self.action.as_deref(), self.target.as_deref(), self.since)
    }
}

fn filter(
    actor: Option<Uuid>,
    action_: Option<&str>,
    target_: Option<&str>,
    since: Option<DateTime<Utc>>,
) -> Result<AuditFilter, AdminError> {
    Ok(AuditFilter { actor, action: action_.map(action).transpose()?, target: target_.map(target).transpose()?, since })
}

/// Actions are lowercase words joined by `.` or `_`, at most 64 characters.
fn action(raw: &str) -> Result<ActionFilter, AdminError> {
    let ok = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_');
    if !ok {
        return Err(AdminError::invalid("action", "lowercase letters, `.` and `_`, at most 64"));
    }
    Ok(if raw.ends_with('.') { ActionFilter::Under(raw.to_owned()) } else { ActionFilter::Exactly(raw.to_owned()) })
}

/// `id` or `type:id`, 1 to 160 characters.
fn target(raw: &str) -> Result<(Option<String>, String), AdminError> {
    if raw.is_empty() || raw.chars().count() > 160 {
        return Err(AdminError::invalid("target", "an id or type:id, at most 160 characters"));
    }
    Ok(match raw.split_once(':') {
        Some((kind, id)) if !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
            (Some(kind.to_owned()), id.to_owned())
        }
        _ => (None, raw.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked() {
        let p = |f: fn(&mut AuditParams)| {
            let mut p = AuditParams::default();
            f(&mut p);
            p.filter()
        };
        assert!(p(|p| p.action = Some("auth.login; DROP".into())).is_err());
        assert!(p(|p| p.target = Some(String::new())).is_err());
        let under = p(|p| p.action = Some("auth.".into())).map(|f| f.action);
        assert!(matches!(under, Ok(Some(ActionFilter::Under(a))) if a == "auth."));
        let typed = p(|p| p.target = Some("user:42".into())).map(|f| f.target);
        assert!(matches!(typed, Ok(Some((Some(k), id))) if k == "user" && id == "42"));
        let bare = p(|p| p.target = Some("Ab:1".into())).map(|f| f.target);
        assert!(matches!(bare, Ok(Some((None, id))) if id == "Ab:1"));
    }
}
