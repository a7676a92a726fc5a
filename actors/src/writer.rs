//! `MessageWriter`: batches chat inserts through the `ChatStore` port — one transaction per
//! batch, flushed at `max_batch` rows or `flush_after` after the first queued row — and answers
//! each sender once its batch has committed. One batch is in flight at a time: what arrives
//! meanwhile becomes the next batch (group commit). Concurrent batches of one writer would
//! only queue on the same room row locks, each paying its own commit, so under load they
//! made many small transactions instead of a few large ones (measured: BENCHMARKS.md).

use crate::ports::{ChatStore, NewMessage, StoreError, StoredMessage};
use crate::stats::ChatStats;
use actix::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Reply = oneshot::Sender<Result<StoredMessage, StoreError>>;

pub struct MessageWriter {
    store: Arc<dyn ChatStore>,
    stats: ChatStats,
    max_batch: usize,
    flush_after: Duration,
    queue: Vec<(NewMessage, Reply)>,
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
        let (msgs, replies): (Vec<NewMessage>, Vec<Reply>) = batch.into_iter().unzip();
        let store = self.store.clone();
        let stats = self.stats.clone();
        let done = async move {
            let started = Instant::now();
            let result = store.insert_batch(msgs).await;
            stats.commit_seconds.observe(started.elapsed().as_secs_f64());
            match result {
                Ok(stored) => {
                    stats.messages.inc_by(stored.iter().filter(|m| !m.duplicate).count() as u64);
                    for (reply, msg) in replies.into_iter().zip(stored) {
                        let _ = reply.send(Ok(msg));
                    }
                }
                Err(e) => {
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
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

/// Store one message; answers after its batch commits.
#[derive(Message)]
#[rtype(result = "Result<StoredMessage, StoreError>")]
pub struct Write(pub NewMessage);

impl Handler<Write> for MessageWriter {
    type Result = ResponseFuture<Result<StoredMessage, StoreError>>;

    fn handle(&mut self, m: Write, ctx: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.queue.push((m.0, tx));
        if self.queue.len() >= self.max_batch {
            self.flush(ctx);
        } else if self.timer.is_none() {
            self.timer = Some(ctx.run_later(self.flush_after, |this, ctx| {
                this.timer = None;
                this.flush(ctx);
            }));
        }
        Box::pin(async move { rx.await.unwrap_or_else(|_| Err(StoreError("writer stopped".into()))) })
    }
}
