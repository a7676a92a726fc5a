//! The server API's types and rules, no I/O: scopes, the caller (an API key), what each
//! operation takes and answers (JSON over HTTP; the gRPC door converts to and from these), and
//! the checks both doors share.

use crate::error::{DomainError, Fault};
use crate::stats::model::NodeStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use veza_actors::protocol::UserRef;
use veza_core::text::SERVER_CLIENT_ID_MARK;
use veza_core::{Code, RoomId, UserId};

/// What a key may do; each operation needs one (the table in README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Publish, Broadcast as the key's service user.
    Publish,
    /// Publish, Broadcast as a member (`sender`); needs `publish` too.
    PublishAs,
    /// PushToUser.
    Push,
    /// Presence, PresenceStats.
    Presence,
    /// History.
    History,
    /// Subscribe, Unsubscribe.
    Subscribe,
    /// Disconnect.
    Disconnect,
    /// RoomInfo, Rooms, NodeInfo.
    Info,
    /// WatchRoom.
    Watch,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::Publish,
        Scope::PublishAs,
        Scope::Push,
        Scope::Presence,
        Scope::History,
        Scope::Subscribe,
        Scope::Disconnect,
        Scope::Info,
        Scope::Watch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Publish => "publish",
            Scope::PublishAs => "publish_as",
            Scope::Push => "push",
            Scope::Presence => "presence",
            Scope::History => "history",
            Scope::Subscribe => "subscribe",
            Scope::Disconnect => "disconnect",
            Scope::Info => "info",
            Scope::Watch => "watch",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// `publish,presence,…` into scopes, naming the first unknown one.
    pub fn parse_list(list: &str) -> Result<Vec<Scope>, String> {
        let mut out = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let s = Scope::parse(part).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown scope `{part}` (known: {})", known.join(", "))
            })?;
            if !out.contains(&s) {
                out.push(s);
            }
        }
        if out.is_empty() {
            return Err("at least one scope".into());
        }
        Ok(out)
    }
}

/// The caller: a live (not revoked) API key, as a node read it.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// Who authors what the key publishes.
    pub service_user: UserRef,
    /// Its own rate, else `server_api.per_key_per_second`.
    pub rate_per_sec: Option<u32>,
}

impl ApiKey {
    /// PERMISSION_DENIED / 403 `scope_required` unless the key holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ServerApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                Code::ScopeRequired,
                format!("this API key lacks the scope `{}`", scope.as_str()),
            ))
        }
    }

    /// The `client_id` stored for a message this key publishes: its own namespace, so two keys
    /// (or a key and the member it posts as) never collide. Users' ids are at most 64
    /// characters of their choosing; this one starts with a character they cannot send.
    pub fn stored_client_id(&self, client_id: &str) -> String {
        format!("{SERVER_CLIENT_ID_MARK}{}:{client_id}", self.prefix)
    }
}

/// The server API's own failures.
#[derive(Debug, thiserror::Error)]
pub enum ServerApiFault {
    /// No key, an unknown one or a revoked one.
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("this API key is over its rate; retry shortly")]
    RateLimited { retry_after: Duration },
    /// Automatic moderation refused the message, with its code.
    #[error("{1}")]
    Refused(Code, String),
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl Fault for ServerApiFault {}

pub type ServerApiError = DomainError<ServerApiFault>;

/// Most rooms one `Broadcast` names.
pub const BROADCAST_MAX_ROOMS: usize = 100;
/// A pushed event's payload, as JSON text.
pub const PUSH_PAYLOAD_MAX_BYTES: usize = 16 * 1024;
/// A close reason must fit a WebSocket close frame (125 bytes with the code).
pub const CLOSE_REASON_MAX_BYTES: usize = 120;
pub const HISTORY_MAX: u32 = 500;
pub const HISTORY_DEFAULT: u32 = 50;
pub const ROOMS_MAX: u32 = 100;
pub const ROOMS_DEFAULT: u32 = 50;

/// A body sent as bytes (gRPC): UTF-8 or INVALID_ARGUMENT, never a transport error.
pub fn body_text(bytes: Vec<u8>) -> Result<String, ServerApiError> {
    String::from_utf8(bytes).map_err(|_| DomainError::invalid("body", "must be UTF-8 text"))
}

/// `server.` then letters, digits, `.`, `_`, `-`; at most 64 characters.
pub fn check_event_type(t: &str) -> Result<(), ServerApiError> {
    let ok = t.len() <= 64
        && t.strip_prefix("server.").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "event_type",
            "`server.` then letters, digits, `.`, `_` or `-`; at most 64 characters",
        ))
    }
}

/// A close code for `Disconnect`: the application range Veza leaves to backends.
pub fn check_close(code: u32, reason: &str) -> Result<u16, ServerApiError> {
    let code = u16::try_from(code)
        .ok()
        .filter(|c| (4000..=4499).contains(c))
        .ok_or_else(|| DomainError::invalid("code", "4000 to 4499"))?;
    if reason.len() > CLOSE_REASON_MAX_BYTES || reason.chars().any(char::is_control) {
        return Err(DomainError::invalid("reason", "at most 120 bytes, no control characters"));
    }
    Ok(code)
}

/// A page size: 0 means the default; above the most, INVALID_ARGUMENT.
pub fn page_size(limit: u32, default: u32, max: u32, field: &'static str) -> Result<i64, ServerApiError> {
    match limit {
        0 => Ok(i64::from(default)),
        n if n <= max => Ok(i64::from(n)),
        _ => Err(DomainError::invalid(field, format!("1 to {max}"))),
    }
}

/// A room-name glob (`*`, `?`) as a case-insensitive `LIKE` pattern (`\` escapes).
pub fn like_pattern(glob: &str) -> Result<String, ServerApiError> {
    if glob.chars().count() > 100 || glob.chars().any(char::is_control) {
        return Err(DomainError::invalid("pattern", "at most 100 characters, no control characters"));
    }
    let mut out = String::with_capacity(glob.len() + 2);
    for c in glob.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        out.push('%');
    }
    Ok(out)
}

/// `POST /server/publish` (gRPC `Publish`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    #[schema(value_type = Uuid)]
    pub room: RoomId,
    /// 1 to 4000 characters.
    pub body: String,
    /// 1 to 64 characters; a retry with the same one answers the original message.
    pub client_id: String,
    /// Post as this member (scope `publish_as`).
    #[schema(value_type = Option<Uuid>)]
    pub sender: Option<UserId>,
}

/// `POST /server/broadcast` (gRPC `Broadcast`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BroadcastBody {
    /// 1 to 100 rooms.
    #[schema(value_type = Vec<Uuid>)]
    pub rooms: Vec<RoomId>,
    pub body: String,
    pub client_id: String,
    #[schema(value_type = Option<Uuid>)]
    pub sender: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Published {
    pub id: i64,
    pub seq: i64,
    /// This `client_id` was stored before: the original message.
    pub duplicate: bool,
}

/// One room's outcome in a broadcast: `published`, or `error`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BroadcastItem {
    #[schema(value_type = Uuid)]
    pub room: RoomId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Published>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<PartError>,
}

/// A part's failure: its stable code and a readable message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BroadcastResults {
    pub results: Vec<BroadcastItem>,
}

/// `POST /server/push` (gRPC `PushToUser`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    #[schema(value_type = Uuid)]
    pub user: UserId,
    /// `server.` then letters, digits, `.`, `_`, `-`.
    pub event_type: String,
    /// Any JSON value, at most 16 KiB as text.
    #[serde(default)]
    pub payload: serde_json::Value,
}

/// `POST /server/subscribe` and `/server/unsubscribe`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipBody {
    #[schema(value_type = Uuid)]
    pub user: UserId,
    #[schema(value_type = Uuid)]
    pub room: RoomId,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Changed {
    /// False when nothing had to change.
    pub changed: bool,
}

/// `POST /server/disconnect`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisconnectBody {
    #[schema(value_type = Uuid)]
    pub user: UserId,
    /// 4000 to 4499.
    #[serde(deserialize_with = "veza_core::json::whole")]
    pub code: u32,
    /// At most 120 bytes.
    #[serde(default)]
    pub reason: String,
}

/// `GET /server/rooms/{room}/history`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Without `reverse`: messages after it, oldest first; with it: before it (or the newest), newest first.
    pub since_seq: Option<u64>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
    #[serde(default)]
    pub reverse: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomHistory {
    pub messages: Vec<crate::chat::model::MessageView>,
    /// The room's highest committed seq when the page was read.
    pub last_seq: i64,
}

/// `GET /server/rooms`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoomsQuery {
    /// Room names like this: `*` any characters, `?` one; case-insensitive. Unset: all.
    pub pattern: Option<String>,
    /// 1 to 100 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServerRoom {
    #[schema(value_type = Uuid)]
    pub id: RoomId,
    pub name: String,
    pub topic: Option<String>,
    pub visibility: String,
    pub is_direct: bool,
    pub member_count: i64,
    pub last_seq: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomPage {
    pub rooms: Vec<ServerRoom>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnlineUsers {
    #[schema(value_type = Vec<crate::users::model::UserRef>)]
    pub users: Vec<UserRef>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceStats {
    /// Distinct users online in the room, all nodes together.
    pub users: u64,
    /// This node's connections in the room.
    pub local_connections: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Nodes {
    pub nodes: Vec<NodeStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_the_cli_list() {
        assert_eq!(Scope::parse_list("publish, presence,publish").unwrap(), vec![Scope::Publish, Scope::Presence]);
        assert!(Scope::parse_list("publish,root").unwrap_err().contains("root"));
        assert!(Scope::parse_list(" , ").is_err());
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn event_types_live_under_server() {
        assert!(check_event_type("server.invoice.paid").is_ok());
        assert!(check_event_type("offer.updated").is_err(), "a backend cannot forge Veza's events");
        assert!(check_event_type("server.").is_err());
        assert!(check_event_type("server.a b").is_err());
        assert!(check_event_type(&format!("server.{}", "a".repeat(60))).is_err());
    }

    #[test]
    fn close_codes_stay_in_the_backend_range() {
        assert_eq!(check_close(4000, "bye").unwrap(), 4000);
        assert_eq!(check_close(4499, "").unwrap(), 4499);
        for bad in [1000, 3999, 4500, 70000] {
            assert!(check_close(bad, "").is_err(), "{bad}");
        }
        assert!(check_close(4000, &"x".repeat(121)).is_err());
        assert!(check_close(4000, "a\nb").is_err());
    }

    #[test]
    fn globs_become_like_patterns() {
        assert_eq!(like_pattern("lobby-*").unwrap(), "lobby-%");
        assert_eq!(like_pattern("a?c").unwrap(), "a_c");
        assert_eq!(like_pattern("100%_\\").unwrap(), "100\\%\\_\\\\");
        assert_eq!(like_pattern("").unwrap(), "%");
    }

    #[test]
    fn bad_utf8_is_invalid_input() {
        assert!(matches!(body_text(vec![0xff, 0xfe]), Err(DomainError::Invalid { field: "body", .. })));
        assert_eq!(body_text(b"hi".to_vec()).unwrap(), "hi");
    }

    #[test]
    fn stored_client_ids_cannot_be_sent_by_users() {
        let key = ApiKey {
            id: Uuid::nil(),
            name: "bot".into(),
            prefix: "abc".into(),
            scopes: vec![Scope::Publish],
            service_user: UserRef { id: UserId(Uuid::nil()), username: "bot".into() },
            rate_per_sec: None,
        };
        let stored = key.stored_client_id("c1");
        assert!(veza_core::text::check_send("hi", &stored).is_err(), "a user's send refuses it");
        assert_eq!(veza_core::text::shown_client_id(&stored), "c1", "shown as the backend sent it");
        assert!(key.require(Scope::Publish).is_ok());
        assert!(key.require(Scope::Disconnect).is_err());
    }
}
