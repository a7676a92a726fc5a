//! What the realtime core needs from the application, as traits: storage (`ChatStore`),
//! fan-out to other nodes and to users (`Fanout`), and the send policy (`SendPolicy`: rate
//! limits and moderation). The application implements them; tests can too.

use crate::protocol::{ServerFrame, SharedFrame, UserRef};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;
use veza_core::{Code, MessageId, RoomId, Seq, UserId};

pub type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room: RoomId,
    pub author: UserRef,
    pub body: String,
    pub client_id: String,
}

/// A stored message (or the slot of a deleted one).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    pub id: MessageId,
    pub room: RoomId,
    pub seq: Seq,
    pub author: UserRef,
    /// `None` once deleted.
    pub body: Option<String>,
    pub client_id: String,
    pub sent_at: DateTime<Utc>,
    /// This send repeated an earlier `client_id`: the original is returned.
    pub duplicate: bool,
}

impl StoredMessage {
    /// The frame members receive for it: the message, or `message_deleted` for its slot.
    pub fn frame(&self) -> ServerFrame {
        match &self.body {
            Some(body) => ServerFrame::Message {
                room: self.room,
                id: self.id,
                seq: self.seq,
                author: self.author.clone(),
                body: body.clone(),
                sent_at: self.sent_at,
                client_id: Some(veza_core::text::shown_client_id(&self.client_id).to_owned()),
            },
            None => ServerFrame::MessageDeleted { room: self.room, id: self.id, seq: self.seq },
        }
    }
}

/// Why a store call failed. The writer splits a batch only on `Data`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The store could not take the call now (connection, serialization, shutdown: SQLSTATE
    /// classes 08, 40, 57 and anything unclassified): the same input may succeed later.
    #[error("chat storage unavailable: {0}")]
    Unavailable(String),
    /// The input itself cannot be stored (SQLSTATE classes 22 and 23): it fails the same way
    /// every time, so retrying it is useless and a batch holding it must be split.
    #[error("chat storage refused the data: {0}")]
    Data(String),
}

/// A user's standing in a room.
#[derive(Debug, Clone, PartialEq)]
pub enum Membership {
    /// `direct`: a two-member direct room (its posts also pass the block rule).
    Member {
        moderator: bool,
        muted_until: Option<DateTime<Utc>>,
        direct: bool,
    },
    NotMember,
    NoRoom,
}

/// Whether a member may post now.
#[derive(Debug, Clone, PartialEq)]
pub enum PostCheck {
    Allowed,
    NotMember,
    Muted,
    Blocked,
}

pub trait ChatStore: Send + Sync + 'static {
    /// Stores a batch in one transaction (seq taken under each room's lock, rooms locked in
    /// id order); answers in input order. A repeated `(room, author, client_id)` answers the
    /// original with `duplicate: true`; `None`: its room or author no longer exists. Nothing
    /// is stored when it fails; `StoreError::Data` means some message of the batch cannot be.
    /// The batch is shared so that a writer splitting a refused batch gets it back uncopied.
    fn insert_batch(&self, batch: Arc<Vec<NewMessage>>) -> BoxFut<Result<Vec<Option<StoredMessage>>, StoreError>>;
    /// Messages with `after < seq <= up_to`, ascending, at most `limit`; deleted slots included.
    fn range(&self, room: RoomId, after: Seq, up_to: Seq, limit: i64)
    -> BoxFut<Result<Vec<StoredMessage>, StoreError>>;
    /// The room's highest committed `seq`.
    fn last_seq(&self, room: RoomId) -> BoxFut<Result<Seq, StoreError>>;
    /// Joining: a public room makes the user a member; a private one needs membership.
    fn admit(&self, room: RoomId, user: UserId) -> BoxFut<Result<Membership, StoreError>>;
    /// Membership, mute and (for direct rooms) blocks, from the database.
    fn may_post(&self, room: RoomId, user: UserId) -> BoxFut<Result<PostCheck, StoreError>>;
    /// Stores a read marker, bounded by the room's last `seq`; it only ever moves forward.
    /// Answers the marker stored when it moved, `None` when it did not.
    fn mark_read(&self, room: RoomId, user: UserId, up_to: Seq) -> BoxFut<Result<Option<Seq>, StoreError>>;
    /// Is the login session `sid` of `user` still valid (not revoked, user active)?
    fn session_valid(&self, sid: Uuid, user: UserId) -> bool;
}

/// Where committed frames go beyond this node's Rooms.
pub trait Fanout: Send + Sync + 'static {
    /// A room frame for other nodes; in process there are none.
    fn publish_room(&self, room: RoomId, frame: Arc<SharedFrame>);
    /// A frame for every connection of `user`, wherever it is.
    fn publish_user(&self, user: UserId, frame: Arc<SharedFrame>);
    /// An order for every connection of `user`, wherever it is (close, join, leave).
    fn control_user(&self, user: UserId, control: crate::conn::UserControl);
    /// This node now has members of `room` (first local connection): receive its frames.
    fn subscribe_room(&self, _room: RoomId) {}
    /// The last local connection of `room` left.
    fn unsubscribe_room(&self, _room: RoomId) {}
    /// A connection of `user` opened on this node (counted: one call per connection).
    fn subscribe_user(&self, _user: UserId) {}
    /// A connection of `user` closed on this node.
    fn unsubscribe_user(&self, _user: UserId) {}
}

/// What a shared presence change means for a room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresenceChange {
    /// The user's first entry in the room on any node (enter), or their last one (leave).
    pub changed: bool,
    /// Distinct users online in the room, all nodes together.
    pub online: usize,
    /// Users whose entries expired (their node stopped heartbeating): now offline.
    pub gone: Vec<UserRef>,
    /// Users this node re-announced whose entries had lapsed: online again.
    pub back: Vec<UserRef>,
}

/// Who is online in a room across nodes: per-(user, node) entries with a TTL, refreshed by
/// the node's heartbeat, so one user with sessions on two nodes is online once and a node
/// that dies stops counting when its entries expire. Without one, rooms count locally.
pub trait RoomPresence: Send + Sync + 'static {
    /// This node holds a connection of `user` in `room`.
    fn enter(&self, room: RoomId, user: UserRef) -> BoxFut<Result<PresenceChange, StoreError>>;
    /// This node's last connection of `user` in `room` closed.
    fn leave(&self, room: RoomId, user: UserId) -> BoxFut<Result<PresenceChange, StoreError>>;
    /// Refreshes this node's entries for `users` (and sweeps expired ones).
    fn heartbeat(&self, room: RoomId, users: Vec<UserRef>) -> BoxFut<Result<PresenceChange, StoreError>>;
    /// Who is online in `room` now, all nodes together (reads only).
    fn online(&self, room: RoomId) -> BoxFut<Result<Vec<UserRef>, StoreError>>;
}

/// A refused send: the `error` frame's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
}

/// Who sends where: what a policy's rules and exemptions need.
#[derive(Debug, Clone)]
pub struct Sender {
    pub user: UserId,
    pub room: RoomId,
    /// The sender's roles, as their token carries them.
    pub roles: Arc<[String]>,
}

/// A send the policy lets through, flagged for moderators by the named rule, or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    pub flag: Option<Arc<str>>,
}

/// Rate limits and moderation for sends (the application's limiter and settings).
pub trait SendPolicy: Send + Sync + 'static {
    fn check_send(&self, from: &Sender, body: &str) -> BoxFut<Result<Allowed, Refusal>>;
    /// `check_send` answered without waiting when nothing needs I/O (a limiter in this
    /// process); `None` means "await `check_send`". Saves a future per message.
    fn check_send_now(&self, _from: &Sender, _body: &str) -> Option<Result<Allowed, Refusal>> {
        None
    }
    /// The moderation rules alone, without the sender's send rate: a server API key posting
    /// (as its service user or as a member) is limited per key instead.
    fn check_rules(&self, _from: &Sender, _body: &str) -> Result<Allowed, Refusal> {
        Ok(Allowed::default())
    }
    /// A flagged send was stored as `message`: moderators get a case (after the commit, when
    /// the message has its id).
    fn flagged(&self, _from: &Sender, _message: MessageId, _rule: &str) {}
    /// Throttle for typing notices; `true` when this one may go out.
    fn allow_typing(&self, user: UserId, room: RoomId) -> bool;
}
