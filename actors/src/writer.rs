//! `MessageWriter`: batches chat inserts through the `ChatStore` port — one transaction per
//! batch, flushed at `max_batch` rows or `flush_after` after the first queued row — and, once
//! a batch has committed, gives each Room its messages in one `Stored` (the Room delivers them,
//! then answers each sender). A failed batch answers its senders `Unavailable` directly.
//!
//! One batch is in flight at a time: what arrives meanwhile becomes the next batch (group
//! commit). Concurrent batches of one writer would only queue on the same room row locks, each
//! paying its own commit, so under load they made many small transactions instead of a few
//! large ones (measured: BENCHMARKS.md).

use crate::ports::{ChatStore, NewMessage};
use crate::room::{PostError, PostReply, Stored};
use crate::stats::ChatStats;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
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
        let rooms: Vec<RoomId> = msgs.iter().map(|m| m.room).collect();
        let store = self.store.clone();
        let stats = self.stats.clone();
        let done = async move {
            let started = Instant::now();
            let result = store.insert_batch(msgs).await;
            stats.commit_seconds.observe(started.elapsed().as_secs_f64());
            match result {
                Ok(stored) => {
                    stats.messages.inc_by(stored.iter().flatten().filter(|m| !m.duplicate).count() as u64);
                    // One `Stored` per room, its messages in commit order.
                    let mut by_room: HashMap<RoomId, (Recipient<Stored>, Vec<_>)> = HashMap::new();
                    for ((room, (to, reply)), msg) in rooms.into_iter().zip(routes).zip(stored) {
                        match msg {
                            Some(msg) => by_room.entry(room).or_insert_with(|| (to, Vec::new())).1.push((msg, reply)),
                            // Its room or author is gone.
                            None => reply.send(Err(PostError::NotMember)),
                        }
                    }
                    for (to, msgs) in by_room.into_values() {
                        // A Room that stopped drops the message; each reply then answers
                        // `Unavailable` and the client's retry finds the stored original.
                        to.do_send(Stored(msgs));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "chat batch not stored");
                    for (_, reply) in routes {
                        reply.send(Err(PostError::Unavailable));
                    }
                }
            }
        };
        ctx.spawn(done.into_actor(self).map(|(), this, ctx| {
            this.in_flight = false;
            // What queued meanwhile goes at once: it has waited a whole commit already.
            this.flush(ctx);
        }));
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
