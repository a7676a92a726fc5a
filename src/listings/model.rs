//! Listing types and rules: the lifecycle state machine, conditions, tags, validation.

use crate::error::{DomainError, Fault};
use crate::money::{Money, MoneyError};
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::text::{TagsError, TextRule};
use veza_core::{CategoryId, Code};

pub const TITLE_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 5000;
pub const TAGS_MAX: usize = 10;
pub const TAG_MAX_CHARS: usize = 32;

/// Listings' failures beyond the shared ones.
#[derive(Debug, thiserror::Error)]
pub enum ListingFault {
    #[error("a {from} listing cannot be {action}")]
    InvalidTransition { from: &'static str, action: &'static str },
    /// Every search thread stayed busy past the deadline (503: retry shortly).
    #[error("every search thread is busy; retry shortly")]
    Busy,
}

pub type ListingError = DomainError<ListingFault>;

impl Fault for ListingFault {}

/// Only the seller may do this (403 `forbidden`).
pub fn not_the_seller() -> ListingError {
    DomainError::forbidden(Code::Forbidden, "only the seller may do this")
}

/// A money error on `field` (`price`, `amount`) as a 422.
pub fn money_invalid(field: &'static str, e: MoneyError) -> ListingError {
    let field = match e {
        MoneyError::Amount { .. } => field,
        MoneyError::Currency => "currency",
    };
    ListingError::invalid(field, e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    Draft,
    Active,
    Reserved,
    Sold,
    Archived,
    /// Taken down by a moderator: off the market for good, seen only by its seller.
    Removed,
}

impl ListingStatus {
    pub const ALL: [ListingStatus; 6] =
        [Self::Draft, Self::Active, Self::Reserved, Self::Sold, Self::Archived, Self::Removed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Reserved => "reserved",
            Self::Sold => "sold",
            Self::Archived => "archived",
            Self::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether anyone but the seller may see a listing in this status.
    pub fn is_public(self) -> bool {
        !matches!(self, Self::Draft | Self::Removed)
    }
}

/// What can happen to a listing. The seller publishes, archives and reactivates; offers
/// reserve (acceptance), release (cancellation) and sell (completion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingAction {
    Publish,
    Archive,
    Reactivate,
    Reserve,
    Release,
    Sell,
    /// A moderator takes it down (a report resolved with `remove_content`).
    Remove,
}

impl ListingAction {
    pub const ALL: [ListingAction; 7] =
        [Self::Publish, Self::Archive, Self::Reactivate, Self::Reserve, Self::Release, Self::Sell, Self::Remove];

    pub fn past_tense(self) -> &'static str {
        match self {
            Self::Publish => "published",
            Self::Archive => "archived",
            Self::Reactivate => "reactivated",
            Self::Reserve => "reserved",
            Self::Release => "released",
            Self::Sell => "sold",
            Self::Remove => "removed",
        }
    }
}

/// The lifecycle, whole: `draft -> active -> reserved -> sold`, `active <-> archived`,
/// `reserved -> active` when the accepted offer is cancelled, and any of them but `removed` ->
/// `removed` by a moderator. Nothing else moves.
const TRANSITIONS: &[(ListingStatus, ListingAction, ListingStatus)] = {
    use ListingAction::*;
    use ListingStatus::*;
    &[
        (Draft, Publish, Active),
        (Active, Archive, Archived),
        (Archived, Reactivate, Active),
        (Active, Reserve, Reserved),
        (Reserved, Release, Active),
        (Reserved, Sell, Sold),
        (Draft, Remove, Removed),
        (Active, Remove, Removed),
        (Reserved, Remove, Removed),
        (Sold, Remove, Removed),
        (Archived, Remove, Removed),
    ]
};

/// The status after `action`, or 409 `invalid_transition`.
pub fn transition(from: ListingStatus, action: ListingAction) -> Result<ListingStatus, ListingError> {
    TRANSITIONS.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to).ok_or(ListingError::Feature(
        ListingFault::InvalidTransition { from: from.as_str(), action: action.past_tense() },
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    New,
    LikeNew,
    Used,
    ForParts,
}

impl Condition {
    pub const ALL: [Condition; 4] = [Self::New, Self::LikeNew, Self::Used, Self::ForParts];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::LikeNew => "like_new",
            Self::Used => "used",
            Self::ForParts => "for_parts",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `POST /listings`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewListing {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub price: Money,
    pub category_id: Uuid,
    #[serde(default)]
    pub tags: Vec<String>,
    pub condition: Condition,
    /// A track of the seller's (tracks are not built yet: stored as given).
    pub track_id: Option<Uuid>,
    /// `true` publishes at once (status `active`), else the listing starts as a `draft`.
    #[serde(default)]
    pub publish: bool,
}

/// `PATCH /listings/{id}`: absent fields stay; `track_id: null` clears the track.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub price: Option<Money>,
    pub category_id: Option<Uuid>,
    pub tags: Option<Vec<String>>,
    pub condition: Option<Condition>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub track_id: Option<Option<Uuid>>,
}

/// A listing's editable content, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingContent {
    pub title: String,
    pub description: String,
    pub price: Money,
    pub category_id: CategoryId,
    pub tags: Vec<String>,
    pub condition: Condition,
    pub track_id: Option<Uuid>,
}

pub const TITLE: TextRule = TextRule::line(3, TITLE_MAX);
pub const DESCRIPTION: TextRule = TextRule::prose(0, DESCRIPTION_MAX).allowing(&['\n', '\t']);
/// One tag once normalised (trimmed, lowercase, inner white space one space).
pub const TAG: TextRule = TextRule::line(1, TAG_MAX_CHARS);

pub fn title(raw: &str) -> Result<String, ListingError> {
    let t = TITLE
        .check(raw)
        .map_err(|_| ListingError::invalid("title", format!("3 to {TITLE_MAX} characters, no control characters")))?;
    Ok(t.to_owned())
}

pub fn description(raw: &str) -> Result<String, ListingError> {
    let d = DESCRIPTION
        .check(raw)
        .map_err(|_| ListingError::invalid("description", format!("at most {DESCRIPTION_MAX} characters")))?;
    Ok(d.to_owned())
}

/// Normalised (trimmed, lowercase, inner white space one space), duplicates dropped (first
/// kept). At most `TAGS_MAX` as sent, as the document's `maxItems` says, each at most
/// `TAG_MAX_CHARS` as sent (its `maxLength`): eleven tags are refused even when they fold to fewer.
pub fn tags(raw: &[String]) -> Result<Vec<String>, ListingError> {
    TAG.tags(raw, TAGS_MAX).map_err(|e| match e {
        TagsError::TooMany => ListingError::invalid("tags", format!("at most {TAGS_MAX} tags")),
        TagsError::Tag(_) => ListingError::invalid("tags", format!("each tag is 1 to {TAG_MAX_CHARS} characters")),
    })
}

pub fn price(p: Money) -> Result<Money, ListingError> {
    p.validated(0).map_err(|e| money_invalid("price", e))
}

impl NewListing {
    pub fn validate(&self) -> Result<ListingContent, ListingError> {
        Ok(ListingContent {
            title: title(&self.title)?,
            description: description(&self.description)?,
            price: price(self.price.clone())?,
            category_id: CategoryId(self.category_id),
            tags: tags(&self.tags)?,
            condition: self.condition,
            track_id: self.track_id,
        })
    }
}

impl ListingPatch {
    /// `current` with this patch applied and validated.
    pub fn apply(&self, current: &ListingContent) -> Result<ListingContent, ListingError> {
        let mut c = current.clone();
        if let Some(t) = &self.title {
            c.title = title(t)?;
        }
        if let Some(d) = &self.description {
            c.description = description(d)?;
        }
        if let Some(p) = &self.price {
            c.price = price(p.clone())?;
        }
        if let Some(id) = self.category_id {
            c.category_id = CategoryId(id);
        }
        if let Some(t) = &self.tags {
            c.tags = tags(t)?;
        }
        if let Some(cond) = self.condition {
            c.condition = cond;
        }
        if let Some(track) = self.track_id {
            c.track_id = track;
        }
        Ok(c)
    }
}

/// A listing as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingView {
    pub id: Uuid,
    pub seller: UserRef,
    pub title: String,
    pub description: String,
    pub price: Money,
    pub category_id: Uuid,
    pub tags: Vec<String>,
    pub condition: Condition,
    pub track_id: Option<Uuid>,
    pub status: ListingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ListingAction::*;
    use ListingStatus::*;

    /// The expected legal moves, written out independently of `TRANSITIONS`.
    fn expected(from: ListingStatus, action: ListingAction) -> Option<ListingStatus> {
        match (from, action) {
            (Draft, Publish) => Some(Active),
            (Active, Archive) => Some(Archived),
            (Archived, Reactivate) => Some(Active),
            (Active, Reserve) => Some(Reserved),
            (Reserved, Release) => Some(Active),
            (Reserved, Sell) => Some(Sold),
            (Removed, _) => None,
            (_, Remove) => Some(Removed),
            _ => None,
        }
    }

    #[test]
    fn every_legal_and_every_illegal_transition() {
        let mut legal = 0;
        for from in ListingStatus::ALL {
            for action in ListingAction::ALL {
                match (transition(from, action), expected(from, action)) {
                    (Ok(to), Some(want)) => {
                        assert_eq!(to, want, "{from:?} + {action:?}");
                        legal += 1;
                    }
                    (Err(ListingError::Feature(ListingFault::InvalidTransition { from: f, .. })), None) => {
                        assert_eq!(f, from.as_str())
                    }
                    (got, want) => panic!("{from:?} + {action:?}: got {got:?}, expected {want:?}"),
                }
            }
        }
        assert_eq!(legal, 11, "eleven legal moves out of {}", ListingStatus::ALL.len() * ListingAction::ALL.len());
    }

    #[test]
    fn sold_is_final_but_for_a_removal_and_drafts_are_private() {
        for action in ListingAction::ALL {
            assert_eq!(transition(Sold, action).is_ok(), action == ListingAction::Remove);
            assert!(transition(Removed, action).is_err(), "removed is final");
        }
        assert!(!Draft.is_public() && Active.is_public() && Archived.is_public() && !Removed.is_public());
    }

    #[test]
    fn tags_are_normalised_deduplicated_and_bounded() {
        let raw: Vec<String> = ["  Vintage ", "vintage", "Tube  Amp", "USA"].map(String::from).to_vec();
        assert_eq!(tags(&raw).ok(), Some(vec!["vintage".into(), "tube amp".into(), "usa".into()]));
        assert!(tags(&[" ".into()]).is_err());
        assert!(tags(&["x".repeat(33)]).is_err());
        assert!(tags(&["x".repeat(32)]).is_ok());
        assert!(tags(&[format!("x{}", "\u{85}".repeat(32))]).is_err(), "33 as sent, though 1 once trimmed");
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(tags(&eleven).is_err());
        assert!(tags(&eleven[..10]).is_ok());
        let eleven_same: Vec<String> = (0..11).map(|_| "same".to_owned()).collect();
        assert!(tags(&eleven_same).is_err(), "counted as sent, before duplicates fold");
    }

    #[test]
    fn content_validation_and_patching() {
        let new = NewListing {
            title: "  Fender Jazz Bass ".into(),
            description: "1978, natural finish".into(),
            price: Money { amount: 120_000, currency: "eur".into() },
            category_id: Uuid::nil(),
            tags: vec!["Bass".into()],
            condition: Condition::Used,
            track_id: None,
            publish: false,
        };
        let c = new.validate().ok();
        let c = c.as_ref();
        assert_eq!(c.map(|c| c.title.as_str()), Some("Fender Jazz Bass"));
        assert_eq!(c.map(|c| c.price.currency.as_str()), Some("EUR"));
        let Some(c) = c else { return };
        let patch = ListingPatch { title: Some("ab".into()), ..Default::default() };
        assert!(matches!(patch.apply(c), Err(ListingError::Invalid { field: "title", .. })));
        let patch = ListingPatch { price: Some(Money { amount: 1, currency: "ZZZ".into() }), ..Default::default() };
        assert!(matches!(patch.apply(c), Err(ListingError::Invalid { field: "currency", .. })));
        let track = Uuid::from_u128(7);
        let patch = ListingPatch { track_id: Some(Some(track)), ..Default::default() };
        let patched = patch.apply(c).ok();
        assert_eq!(patched.as_ref().and_then(|p| p.track_id), Some(track));
        assert_eq!(patched.map(|p| p.title), Some(c.title.clone()), "absent fields stay");
    }
}
