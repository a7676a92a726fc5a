//! Reports and cases: what a user files, what moderators see and decide, and the rules of each.

use crate::error::{DomainError, Fault};
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use veza_core::text::TextRule;
use veza_core::{ListingId, MessageId, PlaylistId, TrackId, UserId};

#[derive(Debug, thiserror::Error)]
pub enum ReportFault {
    #[error("too many reports")]
    RateLimited { retry_after: Duration },
}

impl Fault for ReportFault {}

pub type ReportError = DomainError<ReportFault>;

/// What can be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Message,
    Listing,
    Track,
    Playlist,
    User,
}

impl TargetType {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Message => "message",
            TargetType::Listing => "listing",
            TargetType::Track => "track",
            TargetType::Playlist => "playlist",
            TargetType::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Message, Self::Listing, Self::Track, Self::Playlist, Self::User].into_iter().find(|t| t.as_str() == s)
    }
}

/// Why (a fixed list, so the queue can be sorted and counted by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Spam,
    Harassment,
    Hate,
    Sexual,
    Violence,
    Illegal,
    Impersonation,
    Other,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Spam => "spam",
            Reason::Harassment => "harassment",
            Reason::Hate => "hate",
            Reason::Sexual => "sexual",
            Reason::Violence => "violence",
            Reason::Illegal => "illegal",
            Reason::Impersonation => "impersonation",
            Reason::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Spam,
            Self::Harassment,
            Self::Hate,
            Self::Sexual,
            Self::Violence,
            Self::Illegal,
            Self::Impersonation,
            Self::Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A note: a reporter's or a moderator's, prose of at most 1000 characters.
const NOTE: TextRule = TextRule::prose(1, 1000);

fn note(field: &'static str, raw: Option<&str>) -> Result<Option<String>, ReportError> {
    match raw.map(|n| NOTE.check(n)) {
        None => Ok(None),
        Some(Ok(n)) => Ok(Some(n.to_owned())),
        Some(Err(_)) => Err(ReportError::invalid(field, "1 to 1000 characters")),
    }
}

/// `POST /reports`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub target_type: TargetType,
    /// The thing's id: a UUID, or a message's number (`id` of a chat message).
    #[schema(min_length = 1, max_length = 40)]
    pub target_id: String,
    pub reason: Reason,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// The reported thing, its id parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Message(MessageId),
    Listing(ListingId),
    Track(TrackId),
    Playlist(PlaylistId),
    User(UserId),
}

impl Target {
    pub fn parse(kind: TargetType, id: &str) -> Option<Target> {
        let uuid = || Uuid::parse_str(id).ok();
        Some(match kind {
            TargetType::Message => Target::Message(MessageId(id.parse::<i64>().ok().filter(|n| *n > 0)?)),
            TargetType::Listing => Target::Listing(ListingId(uuid()?)),
            TargetType::Track => Target::Track(TrackId(uuid()?)),
            TargetType::Playlist => Target::Playlist(PlaylistId(uuid()?)),
            TargetType::User => Target::User(UserId(uuid()?)),
        })
    }

    pub fn kind(self) -> TargetType {
        match self {
            Target::Message(_) => TargetType::Message,
            Target::Listing(_) => TargetType::Listing,
            Target::Track(_) => TargetType::Track,
            Target::Playlist(_) => TargetType::Playlist,
            Target::User(_) => TargetType::User,
        }
    }

    /// As stored in `report_cases.target_id`.
    pub fn id_text(self) -> String {
        match self {
            Target::Message(m) => m.get().to_string(),
            Target::Listing(l) => l.to_string(),
            Target::Track(t) => t.to_string(),
            Target::Playlist(p) => p.to_string(),
            Target::User(u) => u.to_string(),
        }
    }
}

/// A report whose fields are each valid.
#[derive(Debug, Clone)]
pub struct CheckedReport {
    pub target: Target,
    pub reason: Reason,
    pub note: Option<String>,
}

impl NewReport {
    pub fn check(self) -> Result<CheckedReport, ReportError> {
        let target = Target::parse(self.target_type, self.target_id.trim())
            .ok_or_else(|| ReportError::invalid("target_id", "a UUID, or a message's number for a message"))?;
        Ok(CheckedReport { target, reason: self.reason, note: note("note", self.note.as_deref())? })
    }
}

/// The reply to a report: what was received (never who else reported it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportFiled {
    pub target_type: TargetType,
    pub target_id: String,
    pub reason: Reason,
    /// False when this reporter had reported this open case already (it counts once).
    pub counted: bool,
    pub created_at: DateTime<Utc>,
}

/// One report on a case, as moderators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportEntry {
    pub reporter: UserRef,
    pub reason: Reason,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A case in the queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    pub target_type: TargetType,
    pub target_id: String,
    /// Whose content it is.
    pub target_owner: Option<UserRef>,
    /// The content as it was when first reported.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    /// `open` or `resolved`.
    pub status: String,
    pub report_count: i32,
    /// The automatic moderation rule that flagged it, if one did (it counts as one report).
    pub flagged_by: Option<String>,
    /// The reports, oldest first (at most 50).
    pub reports: Vec<ReportEntry>,
    pub first_reported_at: DateTime<Utc>,
    pub last_reported_at: DateTime<Utc>,
    pub claimed_by: Option<UserRef>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub resolution: Option<Action>,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<UserRef>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// How the queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueSort {
    /// Most reports first, then oldest first.
    #[default]
    Priority,
    /// Oldest first.
    Age,
}

/// `open` (default) or `resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    #[default]
    Open,
    Resolved,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Resolved => "resolved",
        }
    }
}

/// `GET /admin/reports`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    pub status: Option<CaseStatus>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub target_type: Option<TargetType>,
    pub sort: Option<QueueSort>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Where a page of the queue starts: after this case in the page's order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueCursor {
    pub report_count: i32,
    pub first_reported_at: DateTime<Utc>,
    pub id: Uuid,
}

impl QueueCursor {
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.report_count, self.first_reported_at.timestamp_micros(), self.id)
    }

    pub fn decode(raw: &str) -> Result<QueueCursor, ReportError> {
        let bad = || ReportError::invalid("cursor", "not a cursor of this list");
        let mut parts = raw.splitn(3, '.');
        let count = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let micros = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let id = parts.next().and_then(|p| Uuid::parse_str(p).ok()).ok_or_else(bad)?;
        let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        Ok(QueueCursor { report_count: count, first_reported_at: at, id })
    }
}

/// What a moderator does with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing wrong: the case closes.
    Dismiss,
    /// The message deleted everywhere, the listing `removed`, the track or playlist hidden, the
    /// user's profile text cleared.
    RemoveContent,
    /// A warning kept on the user and pushed to them.
    Warn,
    /// The user suspended for `duration_secs` (or until lifted).
    SuspendUser,
    /// The user banned (admins only).
    BanUser,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Dismiss => "dismiss",
            Action::RemoveContent => "remove_content",
            Action::Warn => "warn",
            Action::SuspendUser => "suspend_user",
            Action::BanUser => "ban_user",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [Self::Dismiss, Self::RemoveContent, Self::Warn, Self::SuspendUser, Self::BanUser]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// `POST /admin/reports/{id}/resolve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    pub action: Action,
    /// Kept on the case (and, for a warning, shown to the user).
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// `suspend_user` only: how long, 60 s to 10 years; omitted, until lifted.
    #[schema(minimum = 60, maximum = 315_360_000)]
    pub duration_secs: Option<u64>,
}

/// The longest suspension a resolution may give.
const LONGEST_SECS: u64 = 315_360_000;

/// A resolution whose fields are each valid.
#[derive(Debug, Clone)]
pub struct CheckedResolve {
    pub action: Action,
    pub note: Option<String>,
    pub duration: Option<chrono::Duration>,
}

impl Resolve {
    pub fn check(self) -> Result<CheckedResolve, ReportError> {
        let duration = match (self.action, self.duration_secs) {
            (_, None) => None,
            (Action::SuspendUser, Some(s)) if (60..=LONGEST_SECS).contains(&s) => {
                chrono::Duration::try_seconds(s as i64)
            }
            (Action::SuspendUser, Some(_)) => return Err(ReportError::invalid("duration_secs", "60 s to 10 years")),
            (_, Some(_)) => return Err(ReportError::invalid("duration_secs", "only with `suspend_user`")),
        };
        Ok(CheckedResolve { action: self.action, note: note("note", self.note.as_deref())?, duration })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_cursors_read_back() {
        assert_eq!(Target::parse(TargetType::Message, "42"), Some(Target::Message(MessageId(42))));
        assert_eq!(Target::parse(TargetType::Message, "-1"), None);
        assert_eq!(Target::parse(TargetType::Listing, "42"), None);
        let id = Uuid::now_v7();
        let t = Target::parse(TargetType::User, &id.to_string());
        assert_eq!(t.map(Target::id_text), Some(id.to_string()));
        let c = QueueCursor { report_count: 3, first_reported_at: Utc::now(), id };
        let back = QueueCursor::decode(&c.encode()).ok();
        assert_eq!(back.map(|b| (b.report_count, b.id)), Some((3, id)));
        assert!(QueueCursor::decode("3.x.y").is_err());
    }

    #[test]
    fn resolutions_are_checked() {
        let r = |action, duration_secs| Resolve { action, note: None, duration_secs }.check();
        assert!(r(Action::SuspendUser, Some(3600)).is_ok_and(|c| c.duration == chrono::Duration::try_hours(1)));
        assert!(r(Action::SuspendUser, Some(59)).is_err());
        assert!(r(Action::Warn, Some(3600)).is_err());
        assert!(r(Action::Dismiss, None).is_ok());
    }
}
