//! `WsSession`: one actor per WebSocket connection. Decodes client frames, validates them,
//! talks to Rooms, and writes the frames Rooms and the user channel hand it — the same bytes
//! for every recipient. Its mailbox is bounded: a full mailbox is how a Room learns that this
//! client does not keep up.

use crate::conn::{Backlog, Deliver, UserControl, close};
use crate::ports::{Allowed, ChatStore, SendPolicy, Sender};
use crate::presence::{Connect, Disconnect, Presence};
use crate::protocol::{self, ClientFrame, Encoding, ServerFrame, SharedFrame, UserRef};
use crate::room::{Join, JoinError, Leave, Notify, Post, PostError, PostReply, Posted, Room};
use crate::rooms::RoomRegistry;
use crate::stats::ChatStats;
use crate::supervisor::{Drain, NodeSupervisor, RegisterDrainHook};
use actix::prelude::*;
use actix_web_actors::ws;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;
use veza_core::Code;
use veza_core::text::check_send;
use veza_core::{RoomId, Seq};

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// Timings and bounds of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    pub mailbox: usize,
    /// How often the login session is re-checked (revocation closes with 1008).
    pub auth_check: Duration,
}

/// Everything a session needs from its node.
#[derive(Clone)]
pub struct SessionDeps {
    pub rooms: RoomRegistry,
    pub fanout: Arc<dyn crate::ports::Fanout>,
    pub presence: Addr<Presence>,
    pub supervisor: Addr<NodeSupervisor>,
    pub store: Arc<dyn ChatStore>,
    pub policy: Arc<dyn SendPolicy>,
    pub stats: ChatStats,
    pub config: SessionConfig,
}

pub struct WsSession {
    id: u64,
    user: UserRef,
    /// The roles the login's token carries (a change of roles ends the login).
    roles: Arc<[String]>,
    login_session: Uuid,
    /// Sends a rule flagged, by `client_id`, until their ack names the stored message.
    flagged: HashMap<String, (RoomId, Arc<str>)>,
    encoding: Encoding,
    deps: SessionDeps,
    rooms: HashMap<RoomId, Addr<Room>>,
    last_heard: Instant,
    backlog: Arc<Backlog>,
}

impl WsSession {
    pub fn new(
        user: UserRef,
        roles: Arc<[String]>,
        login_session: Uuid,
        encoding: Encoding,
        deps: SessionDeps,
    ) -> Self {
        WsSession {
            id: NEXT_CONN.fetch_add(1, Ordering::Relaxed),
            user,
            roles,
            login_session,
            flagged: HashMap::new(),
            encoding,
            rooms: HashMap::new(),
            last_heard: Instant::now(),
            backlog: Backlog::new(deps.config.mailbox),
            deps,
        }
    }

    fn write(&self, frame: &Arc<SharedFrame>, ctx: &mut ws::WebsocketContext<Self>) {
        match self.encoding {
            Encoding::Json => ctx.text(frame.text()),
            Encoding::MsgPack => ctx.binary(frame.binary()),
        }
    }

    fn reply(&self, frame: ServerFrame, ctx: &mut ws::WebsocketContext<Self>) {
        self.write(&SharedFrame::new(frame), ctx);
    }

    fn close(&self, code: u16, reason: &str, ctx: &mut ws::WebsocketContext<Self>) {
        ctx.close(Some(ws::CloseReason { code: ws::CloseCode::from(code), description: Some(reason.to_owned()) }));
        ctx.stop();
    }

    fn on_frame(&mut self, frame: ClientFrame, ctx: &mut ws::WebsocketContext<Self>) {
        match frame {
            ClientFrame::Ping => self.reply(ServerFrame::Pong, ctx),
            ClientFrame::Join { room, last_seen } => self.join(room, last_seen, ctx),
            ClientFrame::Leave { room } => {
                if let Some(addr) = self.rooms.remove(&room) {
                    addr.do_send(Leave { conn: self.id });
                }
            }
            ClientFrame::Send { room, body, client_id } => self.send(room, body, client_id, ctx),
            ClientFrame::Typing { room } => {
                if let Some(addr) = self.rooms.get(&room)
                    && self.deps.policy.allow_typing(self.user.id, room)
                {
                    let f = SharedFrame::new(ServerFrame::Typing { room, user: self.user.clone() });
                    addr.do_send(Notify { frame: f, except: Some(self.id), publish: true });
                }
            }
            ClientFrame::Read { room, up_to } => {
                if let Some(addr) = self.rooms.get(&room).cloned() {
                    let store = self.deps.store.clone();
                    let user = self.user.clone();
                    actix::spawn(async move {
                        // Only a marker that moved is news, and only as far as it really moved.
                        if let Ok(Some(up_to)) = store.mark_read(room, user.id, up_to).await {
                            let f = SharedFrame::new(ServerFrame::Read { room, user, up_to });
                            addr.do_send(Notify { frame: f, except: None, publish: true });
                        }
                    });
                } else {
                    self.reply(ServerFrame::error(Code::NotAMember, "join the room first", None), ctx);
                }
            }
        }
    }

    fn join(&mut self, room: RoomId, last_seen: Option<Seq>, ctx: &mut ws::WebsocketContext<Self>) {
        let registry = self.deps.rooms.clone();
        ctx.spawn(async move { registry.get(room).await }.into_actor(self).map(move |res, this, ctx| {
            let Ok(addr) = res else {
                let f = ServerFrame::error(
                    Code::Unavailable,
                    "the room is unavailable; join again",
                    Some(room.to_string()),
                );
                return this.reply(f, ctx);
            };
            // Known before the Room can answer: a send right after `joined` finds it.
            this.rooms.insert(room, addr.clone());
            let join = Join {
                conn: this.id,
                user: this.user.clone(),
                addr: ctx.address().recipient(),
                backlog: this.backlog.clone(),
                last_seen,
            };
            ctx.spawn(async move { addr.send(join).await }.into_actor(this).map(move |res, this, ctx| {
                // A refused join names its room in `ref`, so the client knows what to retry.
                let r = Some(room.to_string());
                let refusal = match res {
                    Ok(Ok(())) => return,
                    Ok(Err(JoinError::NotMember)) => ServerFrame::error(Code::NotAMember, "this room is private", r),
                    Ok(Err(JoinError::NoRoom)) => ServerFrame::error(Code::NotFound, "no such room", r),
                    // The Room stopped meanwhile, or the store is away.
                    Ok(Err(JoinError::Unavailable)) | Err(_) => {
                        ServerFrame::error(Code::Unavailable, "the room is unavailable; join again", r)
                    }
                };
                this.rooms.remove(&room);
                this.reply(refusal, ctx);
            }));
        }));
    }

    fn send(&mut self, room: RoomId, body: String, client_id: String, ctx: &mut ws::WebsocketContext<Self>) {
        let reference = Some(client_id.clone());
        let Some(addr) = self.rooms.get(&room).cloned() else {
            return self.reply(ServerFrame::error(Code::NotAMember, "join the room first", reference), ctx);
        };
        if let Err(invalid) = check_send(&body, &client_id) {
            return self.reply(ServerFrame::error(invalid.code(), invalid.to_string(), reference), ctx);
        }
        let from = self.sender(room);
        if let Some(checked) = self.deps.policy.check_send_now(&from, &body) {
            return self.post(addr, room, body, client_id, checked, ctx);
        }
        let policy = self.deps.policy.clone();
        let checked_body = body.clone();
        // `wait`: this connection's sends stay in the order it made them.
        let check = async move { policy.check_send(&from, &checked_body).await };
        ctx.wait(
            check.into_actor(self).map(move |checked, this, ctx| this.post(addr, room, body, client_id, checked, ctx)),
        );
    }

    /// A backend's order (server API): close, or follow a membership change made for the user.
    fn obey(&mut self, control: UserControl, ctx: &mut ws::WebsocketContext<Self>) {
        match control {
            UserControl::Disconnect { code, reason } => self.close(code, &reason, ctx),
            UserControl::Subscribe { room } => {
                if !self.rooms.contains_key(&room) {
                    self.join(room, None, ctx);
                }
                self.reply(ServerFrame::Subscribed { room }, ctx);
            }
            UserControl::Unsubscribe { room } => {
                if let Some(addr) = self.rooms.remove(&room) {
                    addr.do_send(Leave { conn: self.id });
                }
                self.reply(ServerFrame::Unsubscribed { room }, ctx);
            }
        }
    }

    fn sender(&self, room: RoomId) -> Sender {
        Sender { user: self.user.id, room, roles: self.roles.clone() }
    }

    /// A checked send goes to its Room, or its refusal back to the client.
    fn post(
        &mut self,
        room: Addr<Room>,
        room_id: RoomId,
        body: String,
        client_id: String,
        checked: Result<Allowed, crate::ports::Refusal>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        let allowed = match checked {
            Ok(allowed) => allowed,
            Err(refusal) => return self.reply(ServerFrame::error(refusal.code, refusal.message, Some(client_id)), ctx),
        };
        if let Some(rule) = allowed.flag {
            self.flagged.insert(client_id.clone(), (room_id, rule));
        }
        let reply = PostReply::to_session(ctx.address().recipient(), client_id.clone());
        // Unbounded like every answer path: a full Room mailbox must not refuse a checked
        // send; a stopped Room drops it and the reply answers `unavailable`.
        room.do_send(Post { author: self.user.clone(), body, client_id, reply, trusted: false });
    }
}

impl Handler<Posted> for WsSession {
    type Result = ();
    fn handle(&mut self, m: Posted, ctx: &mut Self::Context) {
        let reference = Some(m.client_id.clone());
        if let Some((room, rule)) = self.flagged.remove(&m.client_id)
            && let Ok(stored) = &m.result
        {
            self.deps.policy.flagged(&self.sender(room), stored.id, &rule);
        }
        let frame = match m.result {
            Ok(stored) => ServerFrame::Ack { client_id: m.client_id, id: stored.id, seq: stored.seq },
            Err(PostError::NotMember) => ServerFrame::error(Code::NotAMember, "not a member", reference),
            Err(PostError::Muted) => ServerFrame::error(Code::Muted, "you are muted in this room", reference),
            Err(PostError::Blocked) => ServerFrame::error(Code::Blocked, "you cannot message this user", reference),
            Err(PostError::Unavailable) => {
                ServerFrame::error(Code::Unavailable, "not stored; send again with the same client_id", reference)
            }
            Err(PostError::Unstorable) => ServerFrame::error(
                Code::MessageUnstorable,
                "this message cannot be stored; do not send it again",
                reference,
            ),
        };
        self.reply(frame, ctx);
    }
}

impl Actor for WsSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(self.deps.config.mailbox);
        self.deps.stats.connections.inc();
        self.deps.presence.do_send(Connect { user: self.user.id, conn: self.id, addr: ctx.address().recipient() });
        self.deps.fanout.subscribe_user(self.user.id);
        self.deps.supervisor.do_send(RegisterDrainHook(ctx.address().recipient()));
        let cfg = self.deps.config;
        ctx.run_interval(cfg.ping_interval, move |this, ctx| {
            if this.last_heard.elapsed() > cfg.idle_timeout {
                this.close(1001, "idle timeout", ctx);
            } else {
                ctx.ping(b"");
            }
        });
        ctx.run_interval(cfg.auth_check, |this, ctx| {
            if !this.deps.store.session_valid(this.login_session, this.user.id) {
                this.close(close::POLICY, "session revoked", ctx);
            }
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.deps.stats.connections.dec();
        for addr in self.rooms.values() {
            addr.do_send(Leave { conn: self.id });
        }
        self.deps.presence.do_send(Disconnect { user: self.user.id, conn: self.id });
        self.deps.fanout.unsubscribe_user(self.user.id);
    }
}

impl Handler<Deliver> for WsSession {
    type Result = ();
    fn handle(&mut self, m: Deliver, ctx: &mut Self::Context) {
        match m {
            Deliver::Frame(f) => self.write(&f, ctx),
            Deliver::Frames(frames) => {
                for f in frames.iter() {
                    self.write(f, ctx);
                }
                self.backlog.release(frames.len());
            }
            Deliver::Close(code) => self.close(code, "closing", ctx),
            Deliver::Control(control) => self.obey(control, ctx),
        }
    }
}

impl Handler<Drain> for WsSession {
    type Result = ();
    fn handle(&mut self, m: Drain, ctx: &mut Self::Context) {
        self.close(m.close_code, "service restart", ctx);
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for WsSession {
    fn handle(&mut self, msg: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.last_heard = Instant::now();
        let decoded = match msg {
            Ok(ws::Message::Text(text)) => protocol::decode(text.as_bytes(), Encoding::Json),
            Ok(ws::Message::Binary(bin)) => protocol::decode(&bin, Encoding::MsgPack),
            Ok(ws::Message::Ping(p)) => return ctx.pong(&p),
            Ok(ws::Message::Pong(_)) => return,
            Ok(ws::Message::Close(reason)) => {
                ctx.close(reason);
                return ctx.stop();
            }
            Ok(ws::Message::Continuation(_)) | Ok(ws::Message::Nop) => return,
            Err(ws::ProtocolError::Overflow) => return self.close(close::TOO_BIG, "frame too large", ctx),
            Err(e) => {
                tracing::debug!(error = %e, "websocket protocol error");
                return self.close(1002, "protocol error", ctx);
            }
        };
        match decoded {
            Ok(frame) => self.on_frame(frame, ctx),
            Err(e) => self.reply(ServerFrame::error(Code::FrameInvalid, e.to_string(), None), ctx),
        }
    }
}
