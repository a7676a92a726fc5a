//! What the index holds of an entity: its text, who may see it, and the signals ranking and
//! listing filters need. Built from PostgreSQL rows (`repo.rs`), written by `documents.rs`.

use super::changes::Kind;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who may see a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Everyone,
    /// Only these users (a draft's seller, a private track's owner, a private room's members).
    Only(Vec<Uuid>),
}

/// A listing's filterable fields (`GET /listings` from the index).
#[derive(Debug, Clone, PartialEq)]
pub struct ListingFacets {
    pub status: String,
    pub category: Uuid,
    pub condition: String,
    pub currency: String,
    pub price: i64,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub kind: Kind,
    pub id: Uuid,
    /// Weighted text: title over tags over body.
    pub title: String,
    pub tags: Vec<String>,
    pub body: String,
    pub access: Access,
    pub owner: Option<Uuid>,
    /// Plays, members, … (0 when the kind has none); ranking takes a mild log of it.
    pub popularity: f64,
    pub created: DateTime<Utc>,
    pub listing: Option<ListingFacets>,
}

impl Doc {
    /// `<kind>:<uuid>`, the document's key in the index.
    pub fn key(&self) -> String {
        key(self.kind, self.id)
    }
}

pub fn key(kind: Kind, id: Uuid) -> String {
    format!("{}:{id}", kind.as_str())
}

// The HTTP shapes (the Search table of API.md).

/// `GET /search`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words (all must match; the last also as a prefix while typed), `"exact phrases"`,
    /// `-exclusions`: at most 256 characters and 10 terms.
    #[param(max_length = 256)]
    pub q: Option<String>,
    /// Comma-separated, any of `listing`, `track`, `user`, `room` (default: all four).
    pub types: Option<String>,
    /// Results per type, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page; only when `types` names one type.
    pub cursor: Option<String>,
}

/// Marked text per field: `<mark>` around what matched, everything else HTML-escaped.
pub type Highlight = std::collections::BTreeMap<String, String>;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ListingHit {
    #[serde(flatten)]
    pub listing: crate::listings::model::ListingView,
    /// `title`, `description`, `tags`.
    pub highlight: Highlight,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TrackHit {
    #[serde(flatten)]
    pub track: crate::tracks::model::TrackView,
    /// `title`, `artist`, `album`, `tags`.
    pub highlight: Highlight,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserHit {
    #[serde(flatten)]
    pub user: crate::users::model::PublicProfile,
    /// `username`, `display_name`, `bio`.
    pub highlight: Highlight,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RoomHit {
    #[serde(flatten)]
    pub room: crate::chat::model::RoomView,
    /// `name`, `topic`.
    pub highlight: Highlight,
}

/// Each type asked for, best first.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listings: Option<Vec<ListingHit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TrackHit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserHit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rooms: Option<Vec<RoomHit>>,
}

/// How many of each type matched in all (what the viewer may see).
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct SearchCounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listings: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracks: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rooms: Option<u64>,
}

/// Who answered: the node's index, or PostgreSQL while the index builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchSource {
    Index,
    Database,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    pub results: SearchResults,
    pub counts: SearchCounts,
    /// Types whose count stopped at 1,000 (as far as pages reach): at least that many matched
    /// (counting a million matches exactly would cost more than the search).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub counts_at_least: Vec<String>,
    /// The search ran into `search.timeout_ms`: results and counts cover what it found.
    pub partial: bool,
    /// With one type only: the next page of the same ranking.
    pub next_cursor: Option<String>,
    pub source: SearchSource,
}

/// `GET /search/suggest`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What the user has typed so far: at least 2 characters, at most 256.
    #[param(max_length = 256)]
    pub q: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionKind {
    Listing,
    Track,
    User,
    Room,
    /// A popular query.
    Query,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// The completion: a title, a name, or a popular query.
    pub text: String,
    #[serde(rename = "type")]
    pub kind: SuggestionKind,
    /// The entity, for all but queries.
    pub id: Option<Uuid>,
    /// `text` with what was typed marked, HTML-escaped.
    pub highlight: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    /// At most 10, popular queries first.
    pub suggestions: Vec<Suggestion>,
}

/// `?window=` of the query reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub enum Window {
    #[serde(rename = "1h")]
    Hour,
    #[default]
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "7d")]
    Week,
}

impl Window {
    pub fn span(self) -> chrono::TimeDelta {
        match self {
            Window::Hour => chrono::TimeDelta::hours(1),
            Window::Day => chrono::TimeDelta::days(1),
            Window::Week => chrono::TimeDelta::days(7),
        }
    }
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowParams {
    /// `1h`, `24h` (default) or `7d`.
    pub window: Option<Window>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PopularQuery {
    /// Normalised: lower-cased, accents folded.
    pub query: String,
    /// Distinct users who searched it in the window.
    pub users: i64,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PopularQueries {
    pub window: Window,
    pub queries: Vec<PopularQuery>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ZeroResultQuery {
    pub query: String,
    pub searches: i64,
    pub users: i64,
    pub last_at: DateTime<Utc>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ZeroResultQueries {
    pub window: Window,
    pub queries: Vec<ZeroResultQuery>,
}
