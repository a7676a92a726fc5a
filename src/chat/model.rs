//! Chat types and rules for the REST side: rooms, members, message views.

use crate::error::{DomainError, Fault};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_actors::ports::StoredMessage;
use veza_core::Code;
use veza_core::text::TextRule;

/// Chat's failures beyond the shared ones.
#[derive(Debug, thiserror::Error)]
pub enum ChatFault {
    /// The send policy refused it (rate, banned words), with its code.
    #[error("{1}")]
    Refused(Code, String),
    #[error("chat unavailable: {0}")]
    Unavailable(String),
}

pub type ChatError = DomainError<ChatFault>;

impl Fault for ChatFault {}

impl ChatError {
    pub fn not_a_member() -> Self {
        DomainError::forbidden(Code::NotAMember, "you are not a member of this room")
    }

    pub fn blocked() -> Self {
        DomainError::forbidden(Code::Blocked, "you cannot message this user")
    }

    pub fn muted() -> Self {
        DomainError::forbidden(Code::Muted, "you are muted in this room")
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

crate::text_column!(Visibility);

/// A member's standing in a room (`room_members.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum RoomRole {
    Owner,
    Moderator,
    Member,
}

impl RoomRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomRole::Owner => "owner",
            RoomRole::Moderator => "moderator",
            RoomRole::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(RoomRole::Owner),
            "moderator" => Some(RoomRole::Moderator),
            "member" => Some(RoomRole::Member),
            _ => None,
        }
    }

    /// Owners and moderators moderate.
    pub fn moderates(self) -> bool {
        self != RoomRole::Member
    }
}

crate::text_column!(RoomRole);

/// A room's name: one line of 1 to 80 characters, trimmed.
pub const ROOM_NAME: TextRule = TextRule::line(1, 80);
/// A room's topic: one line of at most 500 characters, trimmed; empty means none.
pub const ROOM_TOPIC: TextRule = TextRule::line(0, 500);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    pub name: String,
    pub visibility: Visibility,
    pub topic: Option<String>,
}

impl CreateRoom {
    /// (name, topic) trimmed and checked.
    pub fn validate(&self) -> Result<(String, Option<String>), ChatError> {
        let name = ROOM_NAME
            .check(&self.name)
            .map_err(|_| ChatError::invalid("name", "must be 1 to 80 characters, one line"))?
            .to_owned();
        let topic = match self.topic.as_deref() {
            Some(t) => {
                ROOM_TOPIC.check(t).map_err(|_| ChatError::invalid("topic", "at most 500 characters, one line"))?
            }
            None => "",
        };
        Ok((name, (!topic.is_empty()).then(|| topic.to_owned())))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomView {
    pub id: Uuid,
    pub name: String,
    pub topic: Option<String>,
    pub visibility: String,
    pub is_direct: bool,
    pub member_count: i64,
    /// The caller's role, when a member.
    pub role: Option<String>,
    pub last_seq: i64,
    /// The caller's read marker (the last seq they marked read), when a member.
    pub last_read_seq: Option<i64>,
    /// Messages after the caller's read marker (`last_seq - last_read_seq`), when a member.
    pub unread: Option<i64>,
    /// In a direct room, to one of its two members: the other one (a DM's name is "direct").
    #[schema(value_type = Option<crate::users::model::UserRef>)]
    pub peer: Option<veza_actors::protocol::UserRef>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub user_id: Uuid,
}

/// The longest mute: 30 days.
pub const MUTE_MAX_MINUTES: u32 = 43_200;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MuteBody {
    pub user_id: Uuid,
    /// 0 unmutes; at most 30 days.
    #[serde(deserialize_with = "veza_core::json::whole")]
    pub minutes: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostBody {
    pub body: String,
    pub client_id: Option<String>,
}

/// A message, or the slot of a deleted one (`{id, seq, deleted: true}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub seq: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::users::model::UserRef>)]
    pub author: Option<veza_actors::protocol::UserRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl From<StoredMessage> for MessageView {
    fn from(m: StoredMessage) -> Self {
        match m.body {
            Some(body) => MessageView {
                id: m.id.get(),
                seq: m.seq.get(),
                room: Some(m.room.uuid()),
                author: Some(m.author),
                body: Some(body),
                sent_at: Some(m.sent_at),
                client_id: Some(veza_core::text::shown_client_id(&m.client_id).to_owned()),
                deleted: false,
            },
            None => MessageView {
                id: m.id.get(),
                seq: m.seq.get(),
                room: None,
                author: None,
                body: None,
                sent_at: None,
                client_id: None,
                deleted: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_and_topics_are_checked() {
        let ok = CreateRoom { name: "  Jazz  ".into(), visibility: Visibility::Public, topic: Some(" ".into()) };
        assert_eq!(ok.validate().ok(), Some(("Jazz".to_owned(), None)));
        let empty = CreateRoom { name: " ".into(), visibility: Visibility::Public, topic: None };
        assert!(empty.validate().is_err());
        let long = CreateRoom { name: "x".into(), visibility: Visibility::Private, topic: Some("t".repeat(501)) };
        assert!(long.validate().is_err());
    }
}
