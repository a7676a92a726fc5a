//! Playlist types and rules: names, the bodies clients send, the view they get.

use crate::error::{DomainError, Fault};
use crate::tracks::model::TrackView;
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::text::TextRule;

pub const NAME: TextRule = TextRule::line(1, 100);
/// Tracks one playlist holds at most.
pub const TRACKS_MAX: usize = 5000;

/// Playlists' failures beyond the shared ones.
#[derive(Debug, thiserror::Error)]
pub enum PlaylistFault {
    /// 428: a change that must name the version it was made against did not.
    #[error("send If-Match with the playlist's ETag")]
    PreconditionRequired,
    /// 412: the playlist changed since the version named.
    #[error("the playlist changed since you read it (now {current})")]
    Changed { current: String },
}

impl Fault for PlaylistFault {}

pub type PlaylistError = DomainError<PlaylistFault>;

/// `POST /playlists` (API.md: `{name, public}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlaylist {
    pub name: String,
    #[serde(default)]
    pub public: bool,
}

/// `PATCH /playlists/{id}`: absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaylistPatch {
    pub name: Option<String>,
    pub public: Option<bool>,
}

/// `POST /playlists/{id}/tracks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTrack {
    pub track_id: Uuid,
    /// Where it goes, 0 first; absent or past the end: last.
    #[schema(minimum = 0, maximum = 5000)]
    pub position: Option<u32>,
}

/// `PUT /playlists/{id}/order`: every current track, once, in the new order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    pub track_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaylistEntry {
    pub track: TrackView,
    pub added_at: DateTime<Utc>,
}

/// A playlist with its tracks in order (a private track only to its own owner).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaylistView {
    pub id: Uuid,
    pub owner: UserRef,
    pub name: String,
    pub public: bool,
    /// Bumped by every change; the ETag is `"<version>"`.
    pub version: i64,
    pub tracks: Vec<PlaylistEntry>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One of my playlists in a list: what it is, without its tracks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaylistSummary {
    pub id: Uuid,
    pub name: String,
    pub public: bool,
    /// Hidden by a moderator: still mine, shown to nobody else.
    pub hidden: bool,
    pub version: i64,
    pub track_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `GET /users/me/playlists`: newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaylistSummaryPage {
    pub items: Vec<PlaylistSummary>,
    pub next_cursor: Option<String>,
}

impl PlaylistView {
    pub fn etag(&self) -> String {
        etag(self.version)
    }
}

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

pub fn name(raw: &str) -> Result<String, PlaylistError> {
    NAME.check(raw)
        .map(str::to_owned)
        .map_err(|_| PlaylistError::invalid("name", "1 to 100 characters, no control characters"))
}

/// The version an `If-Match` value names (`"7"`, `W/"7"` or `*`: any).
pub fn parse_if_match(raw: &str) -> Option<Option<i64>> {
    let v = raw.trim();
    if v.is_empty() {
        return None;
    }
    if v == "*" {
        return Some(None);
    }
    v.trim_start_matches("W/").trim_matches('"').parse().ok().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_a_version_or_any() {
        assert_eq!(parse_if_match("\"7\""), Some(Some(7)));
        assert_eq!(parse_if_match("W/\"7\""), Some(Some(7)));
        assert_eq!(parse_if_match("*"), Some(None));
        assert_eq!(parse_if_match("\"seven\""), None);
        assert!(name("  ").is_err());
        assert_eq!(name(" Road trip ").ok(), Some("Road trip".into()));
    }
}
