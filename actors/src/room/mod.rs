//! `Room`: one actor per live chat room. Knows its connected members, delivers the room's
//! frames to them strictly in `seq` order with no gaps, and resumes a joining connection from
//! `last_seen` without a gap or a duplicate at the seam between history and live.
//!
//! Ordering rule: a frame whose `seq` is ahead of the next expected one waits in a buffer;
//! if the gap is still open after `gap_wait`, the missing range is read from the store.

use crate::conn::{Backlog, Deliver};
use crate::ports::{ChatStore, Fanout, Membership, PresenceChange, RoomPresence};
use crate::protocol::{ServerFrame, SharedFrame, UserRef};
use crate::stats::ChatStats;
use crate::writer::MessageWriter;
use actix::prelude::*;
use chrono::{DateTime, Utc};
pub use post::{Post, PostError, PostReply, Posted, Stored};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use veza_core::Code;
use veza_core::{RoomId, Seq, UserId};

/// Most messages replayed on resume; older ones are announced by `history_truncated`.
pub const RESUME_LIMIT: i64 = 1000;

/// What every Room shares.
pub struct RoomDeps {
    pub store: Arc<dyn ChatStore>,
    pub fanout: Arc<dyn Fanout>,
    /// One writer per room shard (a room always uses the same one), so no single actor sits
    /// on every message's path.
    pub writers: Vec<Addr<MessageWriter>>,
    pub stats: ChatStats,
    pub gap_wait: Duration,
    pub idle_stop: Duration,
    /// A room with members that heard nothing this long compares its seq with the store's
    /// (an origin node may have died between commit and publish).
    pub resync_every: Duration,
    /// Who is online across nodes (also heartbeated every `resync_every`); `None`: this node
    /// alone decides, from its own connections.
    pub presence: Option<Arc<dyn RoomPresence>>,
}

struct Conn {
    user: UserRef,
    addr: Recipient<Deliver>,
    backlog: Arc<Backlog>,
    /// Highest seq this connection has been sent.
    last_sent: Seq,
    /// Live frames held while the connection's history is being sent.
    catching_up: Option<Vec<Arc<SharedFrame>>>,
}

#[derive(Clone)]
struct MemberState {
    muted_until: Option<DateTime<Utc>>,
}

pub struct Room {
    id: RoomId,
    deps: Arc<RoomDeps>,
    on_stop: Option<Recipient<RoomStopped>>,
    next_seq: Seq,
    pending: BTreeMap<Seq, Arc<SharedFrame>>,
    gap_timer: Option<SpawnHandle>,
    conns: HashMap<u64, Conn>,
    /// Posts waiting for the store's verdict on their author (`post.rs`), oldest first.
    checking: VecDeque<post::Checking>,
    next_check: u64,
    online: HashMap<UserId, usize>,
    members: HashMap<UserId, MemberState>,
    /// Learned at the first join; a direct room checks blocks on every post.
    direct: bool,
    empty_since: Option<Instant>,
    /// One clone per post not yet answered (`PostReply` holds it): the Room stays while any is out.
    in_flight: Arc<()>,
    last_activity: Instant,
    /// Set when started: presence answers arrive as messages to it.
    me: Option<Addr<Room>>,
    /// Backends streaming the room's messages (`watch.rs`).
    watchers: HashMap<u64, watch::Watcher>,
}

impl Room {
    pub fn new(id: RoomId, deps: Arc<RoomDeps>, on_stop: Option<Recipient<RoomStopped>>) -> Self {
        Room {
            id,
            deps,
            on_stop,
            next_seq: Seq(1),
            pending: BTreeMap::new(),
            gap_timer: None,
            conns: HashMap::new(),
            checking: VecDeque::new(),
            next_check: 0,
            online: HashMap::new(),
            members: HashMap::new(),
            direct: false,
            empty_since: Some(Instant::now()),
            in_flight: Arc::new(()),
            last_activity: Instant::now(),
            me: None,
            watchers: HashMap::new(),
        }
    }

    /// The ordering rule: frames join the pending buffer by `seq`; those now in order go out
    /// together (`hand_out`), so one call gives each connection one delivery.
    fn accept(&mut self, frames: impl IntoIterator<Item = Arc<SharedFrame>>, ctx: &mut Context<Self>) {
        let mut ready = Vec::new();
        for frame in frames {
            let Some(seq) = frame.seq() else { continue };
            self.last_activity = Instant::now();
            if seq < self.next_seq {
                continue;
            }
            self.pending.insert(seq, frame);
            while let Some(f) = self.pending.remove(&self.next_seq) {
                ready.push(f);
                self.next_seq += 1;
            }
        }
        self.hand_to_watchers(&ready);
        self.hand_out(ready);
        if self.pending.is_empty() {
            if let Some(t) = self.gap_timer.take() {
                ctx.cancel_future(t);
            }
        } else if self.gap_timer.is_none() {
            self.gap_timer = Some(ctx.run_later(self.deps.gap_wait, |this, ctx| {
                this.gap_timer = None;
                this.fill_gap(ctx);
            }));
        }
    }

    /// Reads the missing range from the store and delivers it.
    fn fill_gap(&mut self, ctx: &mut Context<Self>) {
        let Some((&first_pending, _)) = self.pending.iter().next() else { return };
        let (after, up_to) = (self.next_seq - 1, first_pending - 1);
        let store = self.deps.store.clone();
        let room = self.id;
        let fut = async move { store.range(room, after, up_to, up_to - after).await };
        ctx.spawn(fut.into_actor(self).map(|res, this, ctx| {
            match res {
                Ok(rows) => {
                    this.accept(rows.into_iter().map(|m| SharedFrame::new(m.frame())), ctx);
                }
                Err(e) => tracing::warn!(room = %this.id, error = %e, "gap fill failed; retrying"),
            }
            // Still open (the writer has not committed it yet): try again later.
            if !this.pending.is_empty() && this.gap_timer.is_none() {
                this.gap_timer = Some(ctx.run_later(this.deps.gap_wait, |this, ctx| {
                    this.gap_timer = None;
                    this.fill_gap(ctx);
                }));
            }
        }));
    }

    /// Reads from the store whatever was committed beyond what this room delivered.
    fn resync(&mut self, ctx: &mut Context<Self>) {
        self.last_activity = Instant::now();
        let store = self.deps.store.clone();
        let (room, after) = (self.id, self.next_seq - 1);
        let fut = async move {
            let last = store.last_seq(room).await?;
            if last <= after {
                return Ok(Vec::new());
            }
            store.range(room, after, last, last - after).await
        };
        ctx.spawn(fut.into_actor(self).map(|res, this, ctx| match res {
            Ok(rows) => {
                if !rows.is_empty() {
                    tracing::info!(room = %this.id, missed = rows.len(), "room resynced from the store");
                }
                this.accept(rows.into_iter().map(|m| SharedFrame::new(m.frame())), ctx);
            }
            Err(e) => tracing::warn!(room = %this.id, error = %e, "resync failed"),
        }));
    }

    fn remove_conn(&mut self, conn_id: u64) {
        let Some(conn) = self.conns.remove(&conn_id) else { return };
        let user = conn.user;
        let last = match self.online.get_mut(&user.id) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            _ => {
                self.online.remove(&user.id);
                true
            }
        };
        if last {
            self.user_left(user);
        }
        if !self.has_listeners() {
            self.empty_since = Some(Instant::now());
            self.deps.fanout.unsubscribe_room(self.id);
        }
    }

    /// Sends the history after `last_seen`, then what arrived meanwhile.
    fn resume(&mut self, conn_id: u64, last_seen: Seq, ctx: &mut Context<Self>) {
        let store = self.deps.store.clone();
        let room = self.id;
        let known = self.next_seq - 1;
        let fut = async move {
            let up_to = store.last_seq(room).await?.max(known);
            let from = last_seen.max(up_to - RESUME_LIMIT);
            let rows = store.range(room, from, up_to, RESUME_LIMIT).await?;
            Ok::<_, crate::ports::StoreError>((from, up_to, rows))
        };
        ctx.spawn(fut.into_actor(self).map(move |res, this, _| {
            let Some(conn) = this.conns.get_mut(&conn_id) else { return };
            let held = conn.catching_up.take().unwrap_or_default();
            match res {
                Ok((from, _up_to, rows)) => {
                    if from > last_seen {
                        let f = ServerFrame::HistoryTruncated { room: this.id, after: last_seen, before: from + 1 };
                        this.send_to(conn_id, &SharedFrame::new(f));
                    }
                    for m in rows {
                        this.send_to(conn_id, &SharedFrame::new(m.frame()));
                    }
                }
                Err(e) => {
                    // Live frames without the history before them would be a gap: the
                    // connection leaves the room and is told to join again (ref = room).
                    tracing::warn!(room = %this.id, error = %e, "resume failed");
                    let reference = Some(this.id.to_string());
                    let f = ServerFrame::error(Code::Unavailable, "history unavailable; join again", reference);
                    if let Some(conn) = this.conns.get(&conn_id) {
                        let _ = conn.addr.try_send(Deliver::Frame(SharedFrame::new(f)));
                    }
                    this.remove_conn(conn_id);
                    return;
                }
            }
            for f in held {
                this.send_to(conn_id, &f);
            }
        }));
    }
}

impl Actor for Room {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.deps.stats.rooms_live.inc();
        self.me = Some(ctx.address());
        let store = self.deps.store.clone();
        let room = self.id;
        // Nothing is processed before the room knows where its sequence stands.
        ctx.wait(async move { store.last_seq(room).await }.into_actor(self).map(|res, this, ctx| match res {
            Ok(last) => this.next_seq = last + 1,
            Err(e) => {
                tracing::warn!(room = %this.id, error = %e, "room cannot start");
                ctx.stop();
            }
        }));
        let every = self.deps.resync_every.max(Duration::from_millis(50));
        ctx.run_interval(every, move |this, ctx| {
            this.prune_watchers();
            if this.has_listeners() && this.last_activity.elapsed() >= every {
                this.resync(ctx);
            }
            this.heartbeat(ctx);
        });
        let idle = self.deps.idle_stop;
        ctx.run_interval(idle.max(Duration::from_millis(100)) / 2, move |this, ctx| {
            let posting = Arc::strong_count(&this.in_flight) > 1;
            if this.empty_since.is_some_and(|t| t.elapsed() >= idle) && this.pending.is_empty() && !posting {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, ctx: &mut Self::Context) {
        self.deps.stats.rooms_live.dec();
        if let Some(r) = &self.on_stop {
            r.do_send(RoomStopped { room: self.id, addr: ctx.address() });
        }
    }
}

/// A Room stopped (empty and idle); its shard forgets it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomStopped {
    pub room: RoomId,
    pub addr: Addr<Room>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    NotMember,
    NoRoom,
    Unavailable,
}

/// A connection subscribes; with `last_seen` it first gets every later message.
#[derive(Message)]
#[rtype(result = "Result<(), JoinError>")]
pub struct Join {
    pub conn: u64,
    pub user: UserRef,
    pub addr: Recipient<Deliver>,
    /// The session's count of batched frames not yet written (the slow-consumer bound).
    pub backlog: Arc<Backlog>,
    pub last_seen: Option<Seq>,
}

impl Handler<Join> for Room {
    type Result = ResponseActFuture<Self, Result<(), JoinError>>;

    fn handle(&mut self, m: Join, _: &mut Context<Self>) -> Self::Result {
        let (store, presence) = (self.deps.store.clone(), self.deps.presence.clone());
        let (room, user) = (self.id, m.user.clone());
        // A client can have seen more than this room has yet (messages another node delivered
        // before this one heard of them): the store says how far that can truly be.
        let ahead = m.last_seen.is_some_and(|s| s > self.next_seq - 1);
        let fut = async move {
            let admitted = store.admit(room, user.id).await;
            let change = match (&admitted, presence) {
                (Ok(Membership::Member { .. }), Some(p)) => p.enter(room, user).await.ok(),
                _ => None,
            };
            let stored = if ahead { store.last_seq(room).await.ok() } else { None };
            (admitted, change, stored)
        };
        Box::pin(fut.into_actor(self).map(move |(res, change, stored), this, ctx| {
            match res {
                Ok(Membership::Member { muted_until, direct, .. }) => {
                    this.direct = direct;
                    this.members.insert(m.user.id, MemberState { muted_until });
                }
                Ok(Membership::NotMember) => return Err(JoinError::NotMember),
                Ok(Membership::NoRoom) => return Err(JoinError::NoRoom),
                Err(_) => return Err(JoinError::Unavailable),
            }
            if this.conns.contains_key(&m.conn) {
                return Ok(()); // joined twice: nothing more to do
            }
            let resuming = m.last_seen.is_some_and(|s| s < this.next_seq - 1);
            let first_of_user = !this.online.contains_key(&m.user.id);
            *this.online.entry(m.user.id).or_insert(0) += 1;
            // What the client has: its `last_seen`, up to what the store holds (a claim past that
            // is cut to it); frames this room learns of later up to there are not sent again.
            let known = this.next_seq - 1;
            let last_sent = match m.last_seen {
                Some(s) if s > known => s.min(stored.unwrap_or(known).max(known)),
                Some(s) => s,
                None => known,
            };
            if !this.has_listeners() {
                this.deps.fanout.subscribe_room(this.id);
            }
            this.conns.insert(
                m.conn,
                Conn {
                    user: m.user.clone(),
                    addr: m.addr,
                    backlog: m.backlog,
                    last_sent,
                    catching_up: resuming.then(Vec::new),
                },
            );
            this.empty_since = None;
            // Shared presence (when configured) knows about the other nodes; else count here.
            // Its count was read before this join reached the room: a user who joined here in
            // between is in `online` (and was announced before this connection listened), so
            // the local count is a floor.
            let members_online = change.as_ref().map_or(this.online.len(), |c| c.online.max(this.online.len()));
            let announce = change.as_ref().map_or(first_of_user, |c| c.changed);
            let joined = ServerFrame::Joined { room: this.id, members_online };
            this.send_to(m.conn, &SharedFrame::new(joined));
            if announce {
                this.announce(m.user.clone(), true, Some(m.conn));
            }
            if let Some(c) = change {
                this.apply_presence(PresenceChange { back: Vec::new(), ..c });
            }
            if let (true, Some(last_seen)) = (resuming, m.last_seen) {
                this.resume(m.conn, last_seen, ctx);
            }
            Ok(())
        }))
    }
}

/// A connection unsubscribes (or closed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave {
    pub conn: u64,
}

impl Handler<Leave> for Room {
    type Result = ();
    fn handle(&mut self, m: Leave, _: &mut Context<Self>) {
        self.remove_conn(m.conn);
    }
}

/// A committed frame from elsewhere (another node, or a gap fill): ordered like any other.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Committed(pub Arc<SharedFrame>);

impl Handler<Committed> for Room {
    type Result = ();
    fn handle(&mut self, m: Committed, ctx: &mut Context<Self>) {
        self.accept([m.0], ctx);
    }
}

/// Ephemeral frames outside the `seq` order (typing, read markers, deletions, presence): to
/// everyone now, and to the room's members on other nodes unless it came from one.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Notify {
    pub frame: Arc<SharedFrame>,
    pub except: Option<u64>,
    /// False for a frame that arrived from another node (never sent back out).
    pub publish: bool,
}

impl Handler<Notify> for Room {
    type Result = ();
    fn handle(&mut self, m: Notify, _: &mut Context<Self>) {
        // A deletion names an old seq: it is news, not part of the sequence.
        self.broadcast_as(&m.frame, m.except, false);
        self.news_to_watchers(&m.frame);
        if m.publish {
            self.deps.fanout.publish_room(self.id, m.frame);
        }
    }
}

/// A moderator muted (or unmuted) a member.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetMute {
    pub user: UserId,
    pub until: Option<DateTime<Utc>>,
}

impl Handler<SetMute> for Room {
    type Result = ();
    fn handle(&mut self, m: SetMute, _: &mut Context<Self>) {
        if let Some(s) = self.members.get_mut(&m.user) {
            s.muted_until = m.until;
        }
    }
}

/// A user is no longer a member (left or kicked): their connections stop receiving.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Forget {
    pub user: UserId,
    /// Tell their connections here why they stop receiving (`not_a_member`). A server API
    /// `Unsubscribe` does not: its `unsubscribed` order reaches the sessions on every node.
    pub tell: bool,
}

impl Handler<Forget> for Room {
    type Result = ();
    fn handle(&mut self, m: Forget, _: &mut Context<Self>) {
        self.members.remove(&m.user);
        let ids: Vec<u64> = self.conns.iter().filter(|(_, c)| c.user.id == m.user).map(|(id, _)| *id).collect();
        for id in ids {
            if let Some(c) = self.conns.get(&id).filter(|_| m.tell) {
                let f = ServerFrame::error(Code::NotAMember, "you are no longer a member of this room", None);
                let _ = c.addr.try_send(Deliver::Frame(SharedFrame::new(f)));
            }
            self.remove_conn(id);
        }
    }
}

/// Compare with the store now (after a broker reconnect, say).
#[derive(Message, Clone, Copy)]
#[rtype(result = "()")]
pub struct Resync;

impl Handler<Resync> for Room {
    type Result = ();
    fn handle(&mut self, _: Resync, ctx: &mut Context<Self>) {
        if self.has_listeners() {
            self.resync(ctx);
        }
    }
}

/// The distinct users connected to this room on this node.
#[derive(Message)]
#[rtype(result = "Vec<UserRef>")]
pub struct LocalOnline;

impl Handler<LocalOnline> for Room {
    type Result = MessageResult<LocalOnline>;
    fn handle(&mut self, _: LocalOnline, _: &mut Context<Self>) -> Self::Result {
        let mut users: HashMap<UserId, UserRef> = HashMap::new();
        for c in self.conns.values() {
            users.entry(c.user.id).or_insert_with(|| c.user.clone());
        }
        MessageResult(users.into_values().collect())
    }
}

/// Connections in this room right now (tests and stats).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct ConnCount;

impl Handler<ConnCount> for Room {
    type Result = usize;
    fn handle(&mut self, _: ConnCount, _: &mut Context<Self>) -> usize {
        self.conns.len()
    }
}

mod delivery;
mod post;
mod presence;
mod watch;
pub use watch::Watch;
#[cfg(test)]
mod tests;
