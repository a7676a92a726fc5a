//! A member's message, from the session to the writer and back, as plain messages: the Room
//! checks the author, hands the message to its `MessageWriter`, and the writer gives the Room
//! each committed batch's messages for it in one `Stored`. No future waits per message (actix
//! polls every pending future of an actor on each wake-up, so a Room or a session with dozens of
//! posts in flight spent its time re-polling them); the answer goes to the sender's `PostReply`.

use super::{MemberState, Room};
use crate::ports::{NewMessage, PostCheck, StoreError, StoredMessage};
use crate::protocol::{SharedFrame, UserRef};
use crate::writer::Write;
use actix::prelude::*;
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::oneshot;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostError {
    NotMember,
    Muted,
    Blocked,
    /// Not stored, for a reason of the store's: send again with the same `client_id`.
    Unavailable,
    /// This message can never be stored (the store refuses its data): do not send it again.
    Unstorable,
}

/// The outcome of a post, for a session: `ack` or `error` with `ref = client_id`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Posted {
    pub client_id: String,
    pub result: Result<StoredMessage, PostError>,
}

enum ReplyTo {
    Session { to: Recipient<Posted>, client_id: String },
    Channel(oneshot::Sender<Result<StoredMessage, PostError>>),
}

impl ReplyTo {
    fn answer(self, result: Result<StoredMessage, PostError>) {
        match self {
            ReplyTo::Session { to, client_id } => to.do_send(Posted { client_id, result }),
            ReplyTo::Channel(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

/// Where a post's outcome goes; answered exactly once. Dropped unanswered (a Room or the
/// writer stopped with it queued, say), it answers `Unavailable`: "send again with the same
/// `client_id`", never silence.
pub struct PostReply {
    to: Option<ReplyTo>,
    /// The Room's count of posts in flight: held until answered, wherever that happens (the
    /// Room, the writer), so a Room never stops idle with a post it would have to deliver.
    hold: Option<Arc<()>>,
    /// The message's span (`trace.rs`), ended when the post is answered.
    span: tracing::Span,
}

impl PostReply {
    /// Answers a session with `Posted`.
    pub fn to_session(to: Recipient<Posted>, client_id: String) -> Self {
        let span = crate::trace::send_span(&client_id);
        PostReply { to: Some(ReplyTo::Session { to, client_id }), hold: None, span }
    }

    /// Answers on a channel (the REST post).
    pub fn channel() -> (Self, oneshot::Receiver<Result<StoredMessage, PostError>>) {
        let (tx, rx) = oneshot::channel();
        (PostReply { to: Some(ReplyTo::Channel(tx)), hold: None, span: crate::trace::post_span() }, rx)
    }

    /// The message's span (none while tracing is off).
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    pub fn send(mut self, result: Result<StoredMessage, PostError>) {
        if let Some(to) = self.to.take() {
            to.answer(result);
        }
    }
}

impl Drop for PostReply {
    fn drop(&mut self) {
        if let Some(to) = self.to.take() {
            to.answer(Err(PostError::Unavailable));
        }
    }
}

/// A member posts; the reply gets the stored message (its `id`/`seq` for the ack) after commit.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Post {
    pub author: UserRef,
    pub body: String,
    pub client_id: String,
    pub reply: PostReply,
    /// The author was vouched for by the caller (a server API key's own service user, which
    /// is no member of any room): no membership check.
    pub trusted: bool,
}

/// A writer's committed messages for one Room, in commit order, each with its reply.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stored(pub Vec<(StoredMessage, PostReply)>);

impl Room {
    fn write(&self, m: Post, ctx: &mut Context<Self>) {
        let writers = &self.deps.writers;
        // A room always uses the same writer: its messages commit in the order they came.
        let Some(writer) = writers.get(crate::shard::shard_of(self.id, writers.len())) else {
            return m.reply.send(Err(PostError::Unavailable));
        };
        let msg = NewMessage { room: self.id, author: m.author, body: m.body, client_id: m.client_id };
        writer.do_send(Write { msg, to: ctx.address().recipient(), reply: m.reply });
    }
}

/// A post whose author is being checked against the store, in arrival order.
pub(super) struct Checking {
    id: u64,
    post: Post,
    verdict: Option<Result<PostCheck, StoreError>>,
}

impl Room {
    /// Writes an allowed post, or answers why not.
    fn decide(&self, m: Post, verdict: Result<PostCheck, StoreError>, ctx: &mut Context<Self>) {
        match verdict {
            Ok(PostCheck::Allowed) => self.write(m, ctx),
            Ok(PostCheck::NotMember) => m.reply.send(Err(PostError::NotMember)),
            Ok(PostCheck::Muted) => m.reply.send(Err(PostError::Muted)),
            Ok(PostCheck::Blocked) => m.reply.send(Err(PostError::Blocked)),
            Err(_) => m.reply.send(Err(PostError::Unavailable)),
        }
    }

    /// Decides the checked posts at the front, so posts reach the writer (and get their seq)
    /// in the order they came, however the store's answers are ordered.
    fn decide_checked(&mut self, ctx: &mut Context<Self>) {
        while self.checking.front().is_some_and(|c| c.verdict.is_some()) {
            if let Some(Checking { post, verdict: Some(v), .. }) = self.checking.pop_front() {
                self.decide(post, v, ctx);
            }
        }
    }
}

impl Handler<Post> for Room {
    type Result = ();

    fn handle(&mut self, mut m: Post, ctx: &mut Context<Self>) {
        m.reply.hold = Some(self.in_flight.clone());
        if !self.has_listeners() {
            // A REST post is activity: the idle clock starts again from it.
            self.empty_since = Some(Instant::now());
        }
        // A cached member of a non-direct room needs no query; anything else asks the store.
        let cached = match self.members.get(&m.author.id).filter(|_| !self.direct) {
            _ if m.trusted => Some(Ok(PostCheck::Allowed)),
            Some(MemberState { muted_until: Some(t) }) if *t > Utc::now() => Some(Ok(PostCheck::Muted)),
            Some(_) => Some(Ok(PostCheck::Allowed)),
            None => None,
        };
        if let (Some(verdict), true) = (&cached, self.checking.is_empty()) {
            return self.decide(m, verdict.clone(), ctx);
        }
        let id = self.next_check;
        self.next_check += 1;
        let ask = cached.is_none().then(|| (self.deps.store.clone(), self.id, m.author.id));
        self.checking.push_back(Checking { id, post: m, verdict: cached });
        if let Some((store, room, author)) = ask {
            let check = async move { store.may_post(room, author).await };
            ctx.spawn(check.into_actor(self).map(move |verdict, this, ctx| {
                if let Some(c) = this.checking.iter_mut().find(|c| c.id == id) {
                    c.verdict = Some(verdict);
                }
                this.decide_checked(ctx);
            }));
        }
        self.decide_checked(ctx);
    }
}

impl Handler<Stored> for Room {
    type Result = ();

    fn handle(&mut self, m: Stored, ctx: &mut Context<Self>) {
        let mut frames = Vec::with_capacity(m.0.len());
        for (stored, reply) in &m.0 {
            let frame = SharedFrame::new(stored.frame());
            // Entered while publishing: the envelope carries the message's trace to other nodes.
            let _deliver = crate::trace::deliver_span(reply.span(), stored.seq.0).entered();
            // A retry republishes the stored frame; receivers drop a seq they already have.
            self.deps.fanout.publish_room(self.id, frame.clone());
            frames.push(frame);
        }
        // The batch's frames go out before its acks: an author sees its message, then the ack.
        self.accept(frames, ctx);
        for (stored, reply) in m.0 {
            reply.send(Ok(stored));
        }
    }
}
