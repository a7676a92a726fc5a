//! Messages from a backend: `Publish`, `Broadcast` (the same message into many rooms) and
//! `PushToUser`. A message takes a user's path: the Room, its writer, the commit, then the answer.

use super::model::*;
use super::repo;
use super::service::{BroadcastMsg, PublishMsg, PushMsg, ServerCore};
use crate::chat::repo as chat_repo;
use crate::error::DomainError;
use crate::web::error::ApiError;
use futures_util::StreamExt;
use std::sync::Arc;
use veza_actors::ports::{PostCheck, Sender};
use veza_actors::protocol::UserRef;
use veza_actors::room::PostError;
use veza_core::text::check_send;
use veza_core::{Code, RoomId, UserId};

/// Who a message is posted as, once checked.
pub(super) struct Author {
    user: UserRef,
    roles: Arc<[String]>,
    /// The key's own service user: no membership needed.
    service: bool,
}
/// Rooms of one broadcast posted at once.
const BROADCAST_AT_ONCE: usize = 8;

impl ServerCore {
    pub async fn publish(&self, m: PublishMsg) -> Result<Published, ServerApiError> {
        let key = self.admit(&m.caller, "publish", Scope::Publish).await?;
        let b = m.body;
        self.counted(&key, "publish", async {
            check_send(&b.body, &b.client_id).map_err(|e| DomainError::invalid(e.field(), e.to_string()))?;
            let author = self.author(&key, b.sender).await?;
            self.publish_into(&key, &author, b.room, &b.body, &b.client_id).await
        })
        .await
    }

    pub async fn broadcast(&self, m: BroadcastMsg) -> Result<BroadcastResults, ServerApiError> {
        let key = self.admit(&m.caller, "broadcast", Scope::Publish).await?;
        let b = m.body;
        self.counted(&key, "broadcast", async {
            if b.rooms.is_empty() || b.rooms.len() > BROADCAST_MAX_ROOMS {
                return Err(DomainError::invalid("rooms", "1 to 100 rooms"));
            }
            check_send(&b.body, &b.client_id).map_err(|e| DomainError::invalid(e.field(), e.to_string()))?;
            let author = self.author(&key, b.sender).await?;
            // Each room beyond the first is one more message against the key's rate.
            for _ in 1..b.rooms.len() {
                self.check_rate(&key).await?;
            }
            // A few rooms at a time, in order: a broadcast never takes the whole pool.
            let posts = b.rooms.iter().map(|room| self.publish_into(&key, &author, *room, &b.body, &b.client_id));
            let outcomes: Vec<_> = futures_util::stream::iter(posts).buffered(BROADCAST_AT_ONCE).collect().await;
            let results = b
                .rooms
                .iter()
                .zip(outcomes)
                .map(|(room, outcome)| match outcome {
                    Ok(p) => BroadcastItem { room: *room, published: Some(p), error: None },
                    Err(e) => {
                        let e = ApiError::from(e);
                        let error = PartError { code: e.code().to_owned(), message: e.to_string() };
                        BroadcastItem { room: *room, published: None, error: Some(error) }
                    }
                })
                .collect();
            Ok(BroadcastResults { results })
        })
        .await
    }

    /// The key's service user, or `sender` (scope `publish_as`, an active user).
    async fn author(&self, key: &ApiKey, sender: Option<UserId>) -> Result<Author, ServerApiError> {
        let Some(sender) = sender else {
            let roles: Arc<[String]> = Arc::from(vec!["user".to_owned()]);
            return Ok(Author { user: key.service_user.clone(), roles, service: true });
        };
        key.require(Scope::PublishAs)?;
        let mut conn = self.conn().await?;
        let a = repo::author(&mut conn, sender)
            .await?
            .filter(|a| a.status == "active")
            .ok_or_else(|| DomainError::invalid("sender", "no active user with this id"))?;
        Ok(Author { user: UserRef { id: a.id, username: a.username }, roles: a.roles.into(), service: false })
    }

    /// One message (checked by the caller) into one room, through its Room and writer;
    /// answered after the commit.
    async fn publish_into(
        &self,
        key: &ApiKey,
        author: &Author,
        room: RoomId,
        body: &str,
        client_id: &str,
    ) -> Result<Published, ServerApiError> {
        let row = self.room_row(room).await?;
        if author.service && row.is_direct {
            return Err(DomainError::forbidden(Code::Forbidden, "a direct room takes only its two members' messages"));
        }
        if !author.service {
            let mut conn = self.conn().await?;
            match chat_repo::may_post(&mut conn, row.id, author.user.id).await? {
                PostCheck::Allowed => {}
                PostCheck::NotMember => {
                    return Err(DomainError::forbidden(Code::NotAMember, "the sender is not a member of this room"));
                }
                PostCheck::Muted => {
                    return Err(DomainError::forbidden(Code::Muted, "the sender is muted in this room"));
                }
                PostCheck::Blocked => {
                    return Err(DomainError::forbidden(Code::Blocked, "the sender cannot message this user"));
                }
            }
        }
        let policy = &self.state.realtime.session.policy;
        let from = Sender { user: author.user.id, room, roles: author.roles.clone() };
        let allowed = policy.check_rules(&from, body).map_err(|r| ServerApiFault::Refused(r.code, r.message))?;
        let client_id = key.stored_client_id(client_id);
        let realtime = &self.state.realtime;
        let outcome = realtime
            .post(room, &author.user, body, &client_id, author.service)
            .await
            .unwrap_or(Err(PostError::Unavailable));
        match outcome {
            Ok(stored) => {
                if let Some(rule) = allowed.flag {
                    policy.flagged(&from, stored.id, &rule);
                }
                Ok(Published { id: stored.id.get(), seq: stored.seq.get(), duplicate: stored.duplicate })
            }
            Err(PostError::NotMember) => Err(DomainError::forbidden(Code::NotAMember, "the sender is not a member")),
            Err(PostError::Muted) => Err(DomainError::forbidden(Code::Muted, "the sender is muted in this room")),
            Err(PostError::Blocked) => {
                Err(DomainError::forbidden(Code::Blocked, "the sender cannot message this user"))
            }
            Err(PostError::Unstorable) => Err(ServerApiFault::Refused(
                Code::MessageUnstorable,
                "this message cannot be stored; do not send it again".into(),
            )
            .into()),
            Err(PostError::Unavailable) => {
                Err(ServerApiFault::Unavailable("message not stored; retry with the same client_id".into()).into())
            }
        }
    }

    pub async fn push(&self, m: PushMsg) -> Result<(), ServerApiError> {
        let key = self.admit(&m.caller, "push_to_user", Scope::Push).await?;
        let b = m.body;
        self.counted(&key, "push_to_user", async {
            check_event_type(&b.event_type)?;
            let size = serde_json::to_vec(&b.payload).map(|v| v.len()).unwrap_or(usize::MAX);
            if size > PUSH_PAYLOAD_MAX_BYTES {
                return Err(DomainError::invalid("payload", "at most 16 KiB of JSON"));
            }
            let mut conn = self.conn().await?;
            if !repo::active_user(&mut conn, b.user).await? {
                return Err(DomainError::NotFound);
            }
            self.state.realtime.push_user(b.user, &b.event_type, b.payload);
            Ok(())
        })
        .await
    }
}
