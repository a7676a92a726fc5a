//! The chat REST service: an actor per HTTP worker delegating to `ChatCore`. Live delivery
//! always goes through the Room actors, whichever door a message came in by.

use super::model::*;
use super::repo::{self, RoomRow};
use crate::auth::model::UserStatus;
use crate::db::{PooledConn, checkout};
use crate::infra::reads::Target;
use crate::search::changes::Kind;
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::users::blocking::ensure_can_reach;
use actix::prelude::*;
use chrono::{Duration as ChronoDuration, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;
use veza_actors::ports::{PostCheck, Sender};
use veza_actors::protocol::UserRef;
use veza_actors::room::{Forget, PostError, SetMute};
use veza_core::text::check_send;
use veza_core::{Code, MessageId, RoomId, Seq, UserId};

pub struct ChatCore {
    pub state: AppState,
}

/// The chat service actor (one per HTTP worker).
pub type ChatService = Service<ChatCore>;

impl Core for ChatCore {
    fn new(state: AppState) -> Self {
        ChatCore { state }
    }
}

macro_rules! message {
    ($name:ident -> $ret:literal { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Debug, Message)]
        #[rtype(result = $ret)]
        pub struct $name { $(pub $field: $ty),* }
    };
}

message!(CreateRoomMsg -> "Result<RoomView, ChatError>" { user: UserId, body: CreateRoom });
message!(ListRooms -> "Result<Vec<RoomView>, ChatError>" { user: Option<UserId>, q: Option<String>, mine: bool, before: Option<RoomId>, limit: i64 });
message!(GetRoomMsg -> "Result<RoomView, ChatError>" { user: Option<UserId>, room: RoomId });
message!(JoinRoom -> "Result<RoomView, ChatError>" { user: UserId, room: RoomId });
message!(LeaveRoom -> "Result<(), ChatError>" { user: UserId, room: RoomId });
message!(AddMember -> "Result<(), ChatError>" { user: UserId, room: RoomId, member: UserId });
message!(Kick -> "Result<(), ChatError>" { user: UserId, room: RoomId, member: UserId });
message!(Mute -> "Result<(), ChatError>" { user: UserId, room: RoomId, member: UserId, minutes: u32 });
message!(DirectRoom -> "Result<(RoomView, bool), ChatError>" { user: UserId, other: UserId });
message!(History -> "Result<Vec<MessageView>, ChatError>" { user: Option<UserId>, room: RoomId, before: Option<Seq>, after: Option<Seq>, limit: i64 });
message!(PostMessage -> "Result<MessageView, ChatError>" { user: UserId, roles: Vec<String>, room: RoomId, body: String, client_id: Option<String> });
message!(DeleteMessage -> "Result<(), ChatError>" { user: UserId, moderator: bool, room: RoomId, message: MessageId });

crate::delegate_to_core!(ChatCore {
    CreateRoomMsg => create_room,
    ListRooms => list_rooms,
    GetRoomMsg => get_room,
    JoinRoom => join_room,
    LeaveRoom => leave_room,
    AddMember => add_member,
    Kick => kick,
    Mute => mute,
    DirectRoom => direct_room,
    History => history,
    PostMessage => post_message,
    DeleteMessage => delete_message,
});

impl ChatCore {
    async fn conn(&self) -> Result<PooledConn<'_>, ChatError> {
        Ok(checkout(&self.state.pool).await?)
    }

    async fn view(
        &self,
        conn: &mut AsyncPgConnection,
        r: RoomRow,
        user: Option<UserId>,
    ) -> Result<RoomView, ChatError> {
        let (last_seq, member_count) = repo::counters(conn, r.id).await?;
        let member = match user {
            Some(u) => repo::member(conn, r.id, u).await?,
            None => None,
        };
        let last_read_seq = member.as_ref().map(|m| m.last_read_seq.0.min(last_seq));
        let peer = match (r.is_direct, user, &member) {
            (true, Some(u), Some(_)) => repo::direct_peer(conn, r.id, u).await?,
            _ => None,
        };
        Ok(RoomView {
            id: r.id.uuid(),
            name: r.name,
            topic: r.topic,
            visibility: r.visibility.as_str().to_owned(),
            is_direct: r.is_direct,
            member_count,
            role: member.map(|m| m.role.as_str().to_owned()),
            last_seq,
            last_read_seq,
            unread: last_read_seq.map(|read| last_seq - read),
            peer,
            created_at: r.created_at,
        })
    }

    /// The room if `user` may see it: public, or a member of a private one (else 404).
    async fn visible(
        &self,
        conn: &mut AsyncPgConnection,
        room: RoomId,
        user: Option<UserId>,
    ) -> Result<RoomRow, ChatError> {
        let cache = &self.state.cache;
        let r =
            cache.get_or_load(&repo::room_cache_key(room), repo::room(conn, room)).await?.ok_or(ChatError::NotFound)?;
        if r.visibility == Visibility::Public {
            return Ok(r);
        }
        match user {
            Some(u) if repo::member(conn, room, u).await?.is_some() => Ok(r),
            _ => Err(ChatError::NotFound),
        }
    }

    /// 403 unless `user` is the room's owner or a moderator.
    async fn require_moderator(
        &self,
        conn: &mut AsyncPgConnection,
        room: RoomId,
        user: UserId,
    ) -> Result<(), ChatError> {
        match repo::member(conn, room, user).await? {
            Some(m) if m.role.moderates() => Ok(()),
            Some(_) => Err(ChatError::not_allowed()),
            None => Err(ChatError::NotFound),
        }
    }

    pub async fn create_room(&self, m: CreateRoomMsg) -> Result<RoomView, ChatError> {
        let (name, topic) = m.body.validate()?;
        let mut conn = self.conn().await?;
        let r = repo::create_room(&mut conn, &name, topic.as_deref(), m.body.visibility, m.user).await?;
        self.state.search.wrote(Kind::Room, r.id.uuid()).await;
        self.view(&mut conn, r, Some(m.user)).await
    }

    pub async fn list_rooms(&self, m: ListRooms) -> Result<Vec<RoomView>, ChatError> {
        let mut conn = self.conn().await?;
        let mine = if m.mine { Some(m.user.ok_or(ChatError::not_allowed())?) } else { None };
        let rows = repo::list_rooms(&mut conn, m.q.as_deref(), mine, m.before, m.limit).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.view(&mut conn, r, m.user).await?);
        }
        Ok(out)
    }

    pub async fn get_room(&self, m: GetRoomMsg) -> Result<RoomView, ChatError> {
        let mut conn = self.conn().await?;
        let r = self.visible(&mut conn, m.room, m.user).await?;
        self.view(&mut conn, r, m.user).await
    }

    pub async fn join_room(&self, m: JoinRoom) -> Result<RoomView, ChatError> {
        let mut conn = self.conn().await?;
        let r = self.visible(&mut conn, m.room, Some(m.user)).await?;
        repo::add_member(&mut conn, r.id, m.user, RoomRole::Member).await?;
        self.state.search.wrote(Kind::Room, r.id.uuid()).await;
        self.view(&mut conn, r, Some(m.user)).await
    }

    pub async fn leave_room(&self, m: LeaveRoom) -> Result<(), ChatError> {
        let mut conn = self.conn().await?;
        let Some(heir) = repo::leave(&mut conn, m.room, m.user).await? else {
            return Err(ChatError::NotFound);
        };
        self.tell_room(m.room, Forget { user: m.user, tell: true }).await;
        self.state.search.wrote(Kind::Room, m.room.uuid()).await;
        if let Some(heir) = heir {
            self.state.realtime.push_user(heir, "room.owner", json!({ "room": m.room, "from": m.user }));
        }
        Ok(())
    }

    pub async fn add_member(&self, m: AddMember) -> Result<(), ChatError> {
        let mut conn = self.conn().await?;
        let r = repo::room(&mut conn, m.room).await?.ok_or(ChatError::NotFound)?;
        self.require_moderator(&mut conn, m.room, m.user).await?;
        if r.is_direct {
            return Err(ChatError::not_allowed());
        }
        let target = crate::users::repo::profile(&mut conn, m.member).await?.filter(|p| p.status == UserStatus::Active);
        if target.is_none() {
            return Err(ChatError::Invalid { field: "user_id", message: "no such user".into() });
        }
        repo::add_member(&mut conn, m.room, m.member, RoomRole::Member).await?;
        self.state.search.wrote(Kind::Room, m.room.uuid()).await;
        Ok(())
    }

    pub async fn kick(&self, m: Kick) -> Result<(), ChatError> {
        let mut conn = self.conn().await?;
        self.require_moderator(&mut conn, m.room, m.user).await?;
        let target = repo::member(&mut conn, m.room, m.member).await?.ok_or(ChatError::NotFound)?;
        if target.role == RoomRole::Owner {
            return Err(ChatError::not_allowed());
        }
        repo::remove_member(&mut conn, m.room, m.member).await?;
        self.tell_room(m.room, Forget { user: m.member, tell: true }).await;
        self.state.search.wrote(Kind::Room, m.room.uuid()).await;
        Ok(())
    }

    pub async fn mute(&self, m: Mute) -> Result<(), ChatError> {
        if m.minutes > MUTE_MAX_MINUTES {
            return Err(ChatError::Invalid { field: "minutes", message: "0 to 43200 (30 days)".into() });
        }
        let mut conn = self.conn().await?;
        self.require_moderator(&mut conn, m.room, m.user).await?;
        // The target is a field of the body, not the path: naming no member is invalid input.
        let target = repo::member(&mut conn, m.room, m.member)
            .await?
            .ok_or_else(|| ChatError::invalid("user_id", "not a member of this room"))?;
        if target.role == RoomRole::Owner {
            return Err(ChatError::not_allowed());
        }
        let until = (m.minutes > 0).then(|| Utc::now() + ChronoDuration::minutes(i64::from(m.minutes)));
        repo::set_mute(&mut conn, m.room, m.member, until).await?;
        self.tell_room(m.room, SetMute { user: m.member, until }).await;
        Ok(())
    }

    pub async fn direct_room(&self, m: DirectRoom) -> Result<(RoomView, bool), ChatError> {
        if m.user == m.other {
            return Err(ChatError::Invalid { field: "user_id", message: "you cannot message yourself".into() });
        }
        let mut conn = self.conn().await?;
        let other = crate::users::repo::profile(&mut conn, m.other).await?.filter(|p| p.status == UserStatus::Active);
        if other.is_none() {
            return Err(ChatError::NotFound);
        }
        ensure_can_reach(&mut conn, m.user, m.other).await.map_err(|_| ChatError::blocked())?;
        let (r, created) = repo::direct_room(&mut conn, m.user, m.other).await?;
        if created {
            self.state.realtime.push_user(m.other, "dm.created", json!({ "room": r.id, "from": m.user }));
        }
        Ok((self.view(&mut conn, r, Some(m.user)).await?, created))
    }

    /// A page of history: who may read it is asked of the primary (a join made over the
    /// WebSocket is no HTTP write the replica is waited for), the page itself of the replica
    /// when it has the reader's own messages (`infra::reads`) and every message up to the top
    /// of the page asked: a member who saw seq N live must find it in `?after=`, whoever
    /// wrote it.
    pub async fn history(&self, m: History) -> Result<Vec<MessageView>, ChatError> {
        let mut conn = self.conn().await?;
        self.visible(&mut conn, m.room, m.user).await?;
        let reads = &self.state.reads;
        if reads.replicated() {
            let newest = repo::last_seq(&mut conn, m.room).await?;
            let top = m.before.map_or(newest, |b| (b - 1).min(newest));
            let mut target = Target::Primary;
            if let Some(mut replica) = reads.replica_conn(m.user).await
                && repo::last_seq(&mut replica, m.room).await? >= top
            {
                conn = replica;
                target = Target::Replica;
            }
            reads.count(target);
        }
        let rows = match (m.after, m.before) {
            (Some(after), before) => {
                let up_to = before.map_or(Seq::MAX, |b| b - 1);
                repo::range(&mut conn, m.room, after, up_to, m.limit).await?
            }
            (None, before) => repo::before(&mut conn, m.room, before, m.limit).await?,
        };
        Ok(rows.into_iter().map(MessageView::from).collect())
    }

    pub async fn post_message(&self, m: PostMessage) -> Result<MessageView, ChatError> {
        let client_id = m.client_id.unwrap_or_else(|| Uuid::now_v7().to_string());
        check_send(&m.body, &client_id).map_err(|e| ChatError::invalid(e.field(), e.to_string()))?;
        let username = {
            let mut conn = self.conn().await?;
            let r = self.visible(&mut conn, m.room, Some(m.user)).await?;
            match repo::may_post(&mut conn, r.id, m.user).await? {
                PostCheck::Allowed => {}
                PostCheck::NotMember => return Err(ChatError::not_a_member()),
                PostCheck::Muted => return Err(ChatError::muted()),
                PostCheck::Blocked => return Err(ChatError::blocked()),
            }
            crate::users::repo::profile(&mut conn, m.user).await?.ok_or(ChatError::NotFound)?.username
        };
        let policy = self.state.realtime.session.policy.clone();
        let from = Sender { user: m.user, room: m.room, roles: m.roles.into() };
        let allowed = policy
            .check_send(&from, &m.body)
            .await
            .map_err(|r| ChatError::Feature(ChatFault::Refused(r.code, r.message)))?;
        let author = UserRef { id: m.user, username };
        let outcome = self
            .state
            .realtime
            .post(m.room, &author, &m.body, &client_id, false)
            .await
            .map_err(|e| ChatError::Feature(ChatFault::Unavailable(e)))?;
        match outcome {
            Ok(stored) => {
                if let Some(rule) = allowed.flag {
                    policy.flagged(&from, stored.id, &rule);
                }
                Ok(stored.into())
            }
            Err(PostError::NotMember) => Err(ChatError::not_a_member()),
            Err(PostError::Muted) => Err(ChatError::muted()),
            Err(PostError::Blocked) => Err(ChatError::blocked()),
            Err(PostError::Unstorable) => Err(ChatError::Feature(ChatFault::Refused(
                Code::MessageUnstorable,
                "this message cannot be stored; do not send it again".into(),
            ))),
            Err(PostError::Unavailable) => Err(ChatError::Feature(ChatFault::Unavailable("message not stored".into()))),
        }
    }

    pub async fn delete_message(&self, m: DeleteMessage) -> Result<(), ChatError> {
        let mut conn = self.conn().await?;
        self.visible(&mut conn, m.room, Some(m.user)).await?;
        let msg = repo::message(&mut conn, m.room, m.message).await?.ok_or(ChatError::NotFound)?;
        let room_mod = matches!(repo::member(&mut conn, m.room, m.user).await?, Some(mm) if mm.role.moderates());
        if msg.author.id != m.user && !room_mod && !m.moderator {
            return Err(ChatError::not_allowed());
        }
        if repo::soft_delete(&mut conn, m.room, m.message, m.user).await? {
            let deleted = super::removal::Deletion { room: m.room, id: msg.id, seq: msg.seq };
            super::removal::announce(&self.state.realtime, &deleted).await;
        }
        Ok(())
    }

    /// Tells the room's live actor (starting it if needed; it stops again when idle).
    async fn tell_room<M>(&self, room: RoomId, msg: M)
    where
        M: Message<Result = ()> + Send + 'static,
        veza_actors::room::Room: Handler<M>,
    {
        if let Ok(addr) = self.state.realtime.rooms.get(room).await {
            addr.do_send(msg);
        }
    }
}
