//! Track types and rules: formats, visibility, the view clients get, edits and their validation.

use crate::error::{DomainError, Fault};
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::text::{TagsError, TextRule};

pub const TITLE_MAX: usize = 200;
pub const TAGS_MAX: usize = 10;
pub const TAG_MAX_CHARS: usize = 32;
/// Tag text read from a file (artist, album, genre) is cut to this many characters.
pub const META_MAX: usize = 200;

/// Tracks' failures beyond the shared ones.
#[derive(Debug, thiserror::Error)]
pub enum TrackFault {
    /// 415: the content is not audio Veza takes, whatever its name says.
    #[error("{0}")]
    UnsupportedAudio(String),
    /// 413: past `tracks.max_upload_bytes`.
    #[error("the upload is larger than {limit} bytes")]
    UploadTooLarge { limit: u64 },
    /// 413: past the owner's `tracks.quota_bytes`.
    #[error("this upload would take your storage past {quota} bytes")]
    QuotaExceeded { quota: u64 },
    /// Storage failed (503).
    #[error("storage unavailable: {0}")]
    Storage(String),
}

pub type TrackError = DomainError<TrackFault>;

impl Fault for TrackFault {}

/// Who may see a track: the same public/private rule (and column type) as rooms.
pub use crate::chat::model::Visibility;

/// A track as clients see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackView {
    pub id: Uuid,
    pub owner: UserRef,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    pub duration_ms: i64,
    /// Bits per second, over the whole file.
    pub bitrate: i32,
    pub sample_rate: i32,
    pub channels: i16,
    /// `mp3`, `flac`, `vorbis`, `opus`, `pcm`, `aac`, `alac`.
    pub codec: String,
    /// `mp3`, `flac`, `ogg`, `opus`, `wav`, `m4a`.
    pub format: String,
    pub size_bytes: i64,
    /// EBU R128 integrated loudness.
    pub loudness_lufs: Option<f32>,
    pub has_cover: bool,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub plays: i64,
    pub created_at: DateTime<Utc>,
}

/// What an upload says besides its bytes (multipart fields, or a resumable upload's finish).
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadMeta {
    /// Else the file's title tag, else its name.
    pub title: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub visibility: Option<Visibility>,
}

impl UploadMeta {
    /// The same rules as an edit; `None` fields stay for the file to fill.
    pub fn validate(self) -> Result<UploadMeta, TrackError> {
        Ok(UploadMeta {
            title: self.title.as_deref().map(title).transpose()?,
            tags: tags(&self.tags)?,
            visibility: self.visibility,
        })
    }
}

/// The media type a stored format is served as.
pub fn content_type(format: &str) -> &'static str {
    match format {
        "mp3" => "audio/mpeg",
        "flac" => "audio/flac",
        "ogg" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        _ => "application/octet-stream",
    }
}

/// `GET /tracks/{id}/waveform`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaveformView {
    /// `[min, max, min, max, …]`, each in -1..=1.
    pub peaks: Vec<f32>,
    /// How many (min, max) pairs.
    pub points: usize,
    pub duration_ms: i64,
}

/// One play in the listener's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub track: TrackView,
    pub played_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntry>,
    pub next_cursor: Option<String>,
}

/// `GET /tracks/{id}/stream-url`: a link `<audio>` can play without `Authorization`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamUrl {
    /// Relative to the API's origin; valid until `expires_at`, for this track and user only.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// `PATCH /tracks/{id}`: absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackPatch {
    pub title: Option<String>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

pub const TITLE: TextRule = TextRule::line(1, TITLE_MAX);
pub const TAG: TextRule = TextRule::line(1, TAG_MAX_CHARS);

pub fn title(raw: &str) -> Result<String, TrackError> {
    let t = TITLE
        .check(raw)
        .map_err(|_| TrackError::invalid("title", format!("1 to {TITLE_MAX} characters, no control characters")))?;
    Ok(t.to_owned())
}

/// Normalised (trimmed, lowercase, inner white space one space), duplicates dropped; at most
/// `TAGS_MAX` as sent, each at most `TAG_MAX_CHARS` as sent (the listings' rule).
pub fn tags(raw: &[String]) -> Result<Vec<String>, TrackError> {
    TAG.tags(raw, TAGS_MAX).map_err(|e| match e {
        TagsError::TooMany => TrackError::invalid("tags", format!("at most {TAGS_MAX} tags")),
        TagsError::Tag(_) => TrackError::invalid("tags", format!("each tag is 1 to {TAG_MAX_CHARS} characters")),
    })
}

/// Text read from a file's tags: control characters (NUL included: tags can carry them) and
/// surrounding white space dropped, cut to `META_MAX` characters; empty is none.
pub fn tag_text(raw: &str) -> Option<String> {
    let clean: String = raw.chars().filter(|c| !c.is_control()).take(META_MAX).collect();
    let t = clean.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A title from a file name: its stem, `_` as spaces, cleaned like tag text.
pub fn title_from_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    tag_text(&stem.replace('_', " ")).map(|t| t.chars().take(TITLE_MAX).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_text_drops_controls_and_bounds_length() {
        assert_eq!(tag_text("  Abbey\0 Road\u{1b} "), Some("Abbey Road".into()));
        assert_eq!(tag_text("\0\0"), None);
        assert_eq!(tag_text(&"x".repeat(500)).map(|s| s.chars().count()), Some(META_MAX));
    }

    #[test]
    fn titles_fall_back_to_the_file_name() {
        assert_eq!(title_from_filename("My_Song.mp3"), Some("My Song".into()));
        assert_eq!(title_from_filename("C:\\music\\take.2.flac"), Some("take.2".into()));
        assert_eq!(title_from_filename("noext"), Some("noext".into()));
        assert_eq!(title_from_filename(".mp3"), None);
    }

    #[test]
    fn tags_are_normalised_and_bounded_as_sent() {
        let raw: Vec<String> = [" Lo-Fi ", "lo-fi", "Chill  Hop"].map(String::from).to_vec();
        assert_eq!(tags(&raw).ok(), Some(vec!["lo-fi".into(), "chill hop".into()]));
        let eleven: Vec<String> = (0..11).map(|_| "same".to_owned()).collect();
        assert!(tags(&eleven).is_err());
        assert!(tags(&["x".repeat(33)]).is_err());
        assert!(title(" ").is_err());
        assert_eq!(title("  Take Five ").ok(), Some("Take Five".into()));
    }
}
