//! Watchers: a backend consuming a room's messages (server API `WatchRoom`), fed the same
//! in-order frames as connections, through a bounded channel. A watcher whose channel is full
//! is dropped (its sender closes): the stream sees the end, reads what it missed from the
//! store and watches again, so a slow backend costs a database read, never the Room's memory.

use super::Room;
use crate::protocol::SharedFrame;
use actix::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;
use veza_core::Seq;

static NEXT_WATCHER: AtomicU64 = AtomicU64::new(1);

pub(super) struct Watcher {
    tx: mpsc::Sender<Arc<SharedFrame>>,
    /// Highest seq sent (or known to the watcher from the store).
    last_sent: Seq,
}

/// Starts watching: message frames after `max(after, the Room's delivered seq)` go to `tx`.
/// Answers the seq the Room had delivered: the watcher reads `(after, answer]` from the
/// store, which holds them all (the Room delivers only committed messages).
#[derive(Message)]
#[rtype(result = "Seq")]
pub struct Watch {
    pub after: Seq,
    pub tx: mpsc::Sender<Arc<SharedFrame>>,
}

impl Handler<Watch> for Room {
    type Result = MessageResult<Watch>;
    fn handle(&mut self, m: Watch, _: &mut Context<Self>) -> Self::Result {
        let known = self.next_seq - 1;
        if self.conns.is_empty() && self.watchers.is_empty() {
            self.deps.fanout.subscribe_room(self.id);
        }
        let id = NEXT_WATCHER.fetch_add(1, Ordering::Relaxed);
        self.watchers.insert(id, Watcher { tx: m.tx, last_sent: m.after.max(known) });
        self.empty_since = None;
        MessageResult(known)
    }
}

impl Room {
    /// In-order frames to every watcher; a full or closed channel ends that watcher.
    pub(super) fn hand_to_watchers(&mut self, frames: &[Arc<SharedFrame>]) {
        if self.watchers.is_empty() {
            return;
        }
        self.watchers.retain(|_, w| {
            for f in frames {
                let Some(seq) = f.seq() else { continue };
                if seq <= w.last_sent {
                    continue;
                }
                if w.tx.try_send(f.clone()).is_err() {
                    return false;
                }
                w.last_sent = seq;
            }
            true
        });
        self.watchers_changed();
    }

    /// News outside the seq order (a deletion of a message already sent) to every watcher.
    pub(super) fn news_to_watchers(&mut self, frame: &Arc<SharedFrame>) {
        if self.watchers.is_empty() || !matches!(frame.frame, crate::protocol::ServerFrame::MessageDeleted { .. }) {
            return;
        }
        self.watchers.retain(|_, w| w.tx.try_send(frame.clone()).is_ok());
        self.watchers_changed();
    }

    /// Drops watchers whose stream has gone.
    pub(super) fn prune_watchers(&mut self) {
        self.watchers.retain(|_, w| !w.tx.is_closed());
        self.watchers_changed();
    }

    fn watchers_changed(&mut self) {
        if self.watchers.is_empty() && self.conns.is_empty() && self.empty_since.is_none() {
            self.empty_since = Some(std::time::Instant::now());
            self.deps.fanout.unsubscribe_room(self.id);
        }
    }

    pub(super) fn has_listeners(&self) -> bool {
        !self.conns.is_empty() || !self.watchers.is_empty()
    }
}
