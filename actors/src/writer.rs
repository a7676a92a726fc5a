//! `MessageWriter`: batches chat inserts through the `ChatStore` port — one transaction per
//! batch, flushed at `max_batch` rows or `flush_after` after the first queued row — and, once
//! a batch has committed, gives each Room its messages in one `Stored` (the Room delivers them,
//! then answers each sender). A batch the store refuses for its data is split until the
//! message at fault stands alone (answered `Unstorable`); any other failure answers the
//! batch's senders `Unavailable` directly.
//!
//! One batch is in flight at a time: what arrives meanwhile becomes the next batch (group
//! commit). Concurrent batches of one writer would only queue on the same room row locks, each
//! paying its own commit, so under load they made many small transactions instead of a few
//! large ones (measured: BENCHMARKS.md).

use crate::ports::{ChatStore, NewMessage, StoreError, StoredMessage};
use crate::room::{PostError, PostReply, Stored};
use crate::stats::ChatStats;
use actix::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;
use veza_core::RoomId;

/// Where a committed message goes: its Room, and the sender's reply.
type Route = (Recipient<Stored>, PostReply);

pub struct MessageWriter {
    store: Arc<dyn ChatStore>,
    stats: ChatStats,
    max_batch: usize,
    flush_after: Duration,
    queue: Vec<(NewMessage, Route)>,
    timer: Option<SpawnHandle>,
    in_flight: bool,
}

impl MessageWriter {
    pub fn new(store: Arc<dyn ChatStore>, stats: ChatStats, max_batch: usize, flush_after: Duration) -> Self {
        MessageWriter {
            store,
            stats,
            max_batch: max_batch.max(1),
            flush_after,
            queue: Vec::new(),
            timer: None,
            in_flight: false,
        }
    }

    fn flush(&mut self, ctx: &mut Context<Self>) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_future(t);
        }
        if self.queue.is_empty() || self.in_flight {
            return; // the batch in flight flushes the queue when it commits
        }
        self.in_flight = true;
        let take = self.queue.len().min(self.max_batch);
        let batch: Vec<_> = self.queue.drain(..take).collect();
        let (msgs, routes): (Vec<NewMessage>, Vec<Route>) = batch.into_iter().unzip();
        let store = self.store.clone();
        let stats = self.stats.clone();
        let done = commit(store, stats, msgs, routes);
        ctx.spawn(done.into_actor(self).map(|(), this, ctx| {
            this.in_flight = false;
            // What queued meanwhile goes at once: it has waited a whole commit already.
            this.flush(ctx);
        }));
    }
}

/// Commits a batch; when the store refuses its data, splits it in halves and commits each,
/// down to the one message that cannot be stored, so no message can make another fail. The
/// parts go in input order, one after the other: each room's messages keep their order.
/// Any other failure (the store unreachable, say) answers the whole part `Unavailable`.
async fn commit(store: Arc<dyn ChatStore>, stats: ChatStats, msgs: Vec<NewMessage>, routes: Vec<Route>) {
    let mut parts: VecDeque<(Vec<NewMessage>, Vec<Route>)> = VecDeque::from([(msgs, routes)]);
    while let Some((msgs, mut routes)) = parts.pop_front() {
        let rooms: Vec<RoomId> = msgs.iter().map(|m| m.room).collect();
        let span = crate::trace::commit_span(msgs.len(), routes.iter().map(|(_, reply)| reply.span()));
        stats.commit_batch_size.observe(msgs.len() as f64);
        let started = Instant::now();
        let msgs = Arc::new(msgs);
        let result = store.insert_batch(msgs.clone()).instrument(span).await;
        stats.commit_seconds.observe(started.elapsed().as_secs_f64());
        match result {
            Ok(stored) => deliver(&stats, rooms, routes, stored),
            Err(StoreError::Data(e)) if msgs.len() > 1 => {
                tracing::debug!(error = %e, size = msgs.len(), "chat batch refused for its data; splitting it");
                // The store's future is done: the batch is ours alone again, no copy made.
                let mut msgs = Arc::try_unwrap(msgs).unwrap_or_else(|shared| (*shared).clone());
                let half = msgs.len() / 2;
                let (later_msgs, later_routes) = (msgs.split_off(half), routes.split_off(half));
                parts.push_front((later_msgs, later_routes));
                parts.push_front((msgs, routes));
            }
            Err(StoreError::Data(e)) => {
                tracing::warn!(error = %e, "chat message cannot be stored");
                stats.unstorable.inc();
                for (_, reply) in routes {
                    reply.send(Err(PostError::Unstorable));
                }
            }
            Err(e @ StoreError::Unavailable(_)) => {
                tracing::warn!(error = %e, "chat batch not stored");
                for (_, reply) in routes {
                    reply.send(Err(PostError::Unavailable));
                }
            }
        }
    }
}

/// Hands a committed part to its Rooms: one `Stored` per room, its messages in commit order.
fn deliver(stats: &ChatStats, rooms: Vec<RoomId>, routes: Vec<Route>, stored: Vec<Option<StoredMessage>>) {
    stats.messages.inc_by(stored.iter().flatten().filter(|m| !m.duplicate).count() as u64);
    let mut by_room: HashMap<RoomId, (Recipient<Stored>, Vec<_>)> = HashMap::new();
    for ((room, (to, reply)), msg) in rooms.into_iter().zip(routes).zip(stored) {
        match msg {
            Some(msg) => by_room.entry(room).or_insert_with(|| (to, Vec::new())).1.push((msg, reply)),
            // Its room or author is gone.
            None => reply.send(Err(PostError::NotMember)),
        }
    }
    for (to, msgs) in by_room.into_values() {
        // A Room that stopped drops the message; each reply then answers `Unavailable` and
        // the client's retry finds the stored original.
        to.do_send(Stored(msgs));
    }
}

impl Actor for MessageWriter {
    type Context = Context<Self>;
}

impl Supervised for MessageWriter {}

/// Store one message; its Room gets it in a `Stored` after its batch commits.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Write {
    pub msg: NewMessage,
    pub to: Recipient<Stored>,
    pub reply: PostReply,
}

impl Handler<Write> for MessageWriter {
    type Result = ();

    fn handle(&mut self, m: Write, ctx: &mut Context<Self>) {
        self.queue.push((m.msg, (m.to, m.reply)));
        if self.queue.len() >= self.max_batch {
            self.flush(ctx);
        } else if self.timer.is_none() {
            self.timer = Some(ctx.run_later(self.flush_after, |this, ctx| {
                this.timer = None;
                this.flush(ctx);
            }));
        }
    }
}
