//! User-facing types and rules: profiles, preferences, friendships.

use crate::error::DomainError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::Code;
use veza_core::text::{TextError, TextRule};

/// Largest preferences document, in bytes of JSON.
pub const PREFERENCES_MAX_BYTES: usize = 16 * 1024;

/// The users feature has no failure of its own.
pub type UserError = DomainError;

/// A block between the two users (403 `blocked`).
pub fn blocked() -> UserError {
    DomainError::forbidden(Code::Blocked, "not allowed between these users")
}

/// `{id, username}`: how a user appears inside other objects.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserRef {
    pub id: Uuid,
    pub username: String,
}

/// What anyone may see of a user (cached: `profile_cache_key`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicProfile {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The owner's view of their profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnProfile {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub location: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `PATCH /users/me`: a field set to a string replaces it, to `""` clears it, absent keeps it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub location: Option<String>,
}

/// `Some(None)` clears, `Some(Some(v))` sets, `None` keeps.
pub type FieldChange = Option<Option<String>>;

/// Validated changes.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub display_name: FieldChange,
    pub bio: FieldChange,
    pub avatar_url: FieldChange,
    pub location: FieldChange,
}

/// An avatar's address: `http(s)://`, an ASCII host name, an optional port, then visible ASCII.
/// The same grammar as `AVATAR_URL_PATTERN`, so what the document allows is what is kept.
pub fn is_http_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else { return false };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        && path.bytes().all(|b| b.is_ascii_graphic())
}

/// `is_http_url` as a pattern over the trimmed text.
pub const AVATAR_URL_PATTERN: &str = "https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[!-~]*)?";

/// The profile's texts; each is trimmed, and empty clears it.
pub use veza_core::text::DISPLAY_NAME;
pub const BIO: TextRule = TextRule::prose(0, 1000);
pub const AVATAR_URL: TextRule = TextRule::line(0, 2048);
pub const LOCATION: TextRule = TextRule::line(0, 100);

/// `text`, for a field `rule` decides; every failure reads as the limits it breaks.
fn checked(field: &'static str, v: Option<String>, rule: TextRule) -> Result<FieldChange, UserError> {
    let Some(v) = v else { return Ok(None) };
    let v = rule.check(&v).map_err(|e| match e {
        TextError::Invisible => UserError::invalid(field, e.to_string()),
        _ => UserError::invalid(field, format!("at most {} characters, no control characters", rule.max)),
    })?;
    Ok(Some((!v.is_empty()).then(|| v.to_owned())))
}

impl ProfilePatch {
    pub fn validate(self) -> Result<ProfileChanges, UserError> {
        let avatar_url = checked("avatar_url", self.avatar_url, AVATAR_URL)?;
        if let Some(Some(url)) = &avatar_url
            && !is_http_url(url)
        {
            return Err(UserError::Invalid { field: "avatar_url", message: "must be an http(s) URL".into() });
        }
        Ok(ProfileChanges {
            // What others see an account as: NFKC (full-width, ligature and compatibility forms
            // fold to their plain letters), then no invisible or direction-changing characters.
            display_name: checked("display_name", self.display_name.map(|d| d.nfkc().collect()), DISPLAY_NAME)?,
            bio: checked("bio", self.bio, BIO)?,
            avatar_url,
            location: checked("location", self.location, LOCATION)?,
        })
    }
}

/// A friend, or a pending request in either direction.
#[derive(Debug, Serialize, ToSchema)]
pub struct FriendEntry {
    pub user: UserRef,
    /// Accepted for friends, requested for pending requests.
    pub since: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FriendsView {
    pub friends: Vec<FriendEntry>,
    /// Requests others sent to the caller.
    pub incoming: Vec<FriendEntry>,
    /// Requests the caller sent.
    pub outgoing: Vec<FriendEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockEntry {
    pub user: UserRef,
    pub created_at: DateTime<Utc>,
}

/// The read-cache key of a profile looked up by id or by username.
pub fn profile_cache_key(key: &str) -> String {
    match uuid::Uuid::parse_str(key) {
        Ok(id) => format!("profile:{id}"),
        Err(_) => format!("profile:@{}", key.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_sets_clears_and_keeps() {
        let p = ProfilePatch { display_name: Some(" Ada ".into()), bio: Some(String::new()), ..Default::default() };
        let c = p.validate().ok();
        let c = c.as_ref();
        assert_eq!(c.and_then(|c| c.display_name.clone()), Some(Some("Ada".into())));
        assert_eq!(c.and_then(|c| c.bio.clone()), Some(None), "empty clears");
        assert_eq!(c.map(|c| c.location.is_none()), Some(true), "absent keeps");
    }

    #[test]
    fn patch_rejects_bad_values() {
        let long = ProfilePatch { display_name: Some("x".repeat(65)), ..Default::default() };
        assert!(long.validate().is_err());
        let url = ProfilePatch { avatar_url: Some("javascript:alert(1)".into()), ..Default::default() };
        assert!(url.validate().is_err());
    }
}
