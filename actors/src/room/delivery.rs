//! How a Room hands frames to its connections.
//!
//! In-order message frames leave through `hand_out`: what one `accept` call put in order (a
//! writer's `Stored` carries a whole group commit's messages for the room) reaches each
//! connection in one `Deliver::Frames`. One mailbox operation per connection per commit
//! instead of one per frame: the mailbox hop was the largest share of the node's fan-out
//! profile. A batch is bounded by the session's `Backlog` (in frames), not only by its mailbox.

use super::Room;
use crate::conn::{Deliver, close};
use crate::protocol::SharedFrame;
use actix::prelude::*;
use std::sync::Arc;

/// Why a connection stopped getting frames.
enum Dropped {
    /// Its mailbox was full: a slow consumer, told to resume (4008).
    Slow,
    /// Its session is gone.
    Gone,
}

impl Room {
    /// Hands frames just put in order to every connection: each gets those past its
    /// `last_sent`, or holds them while its history is being sent.
    pub(super) fn hand_out(&mut self, ready: Vec<Arc<SharedFrame>>) {
        let (Some(first), Some(last)) = (ready.first().and_then(|f| f.seq()), ready.last().and_then(|f| f.seq()))
        else {
            return;
        };
        let frames: Arc<[Arc<SharedFrame>]> = ready.into();
        let mut delivered = 0u64;
        let mut dropped: Vec<(u64, Dropped)> = Vec::new();
        for (id, conn) in self.conns.iter_mut() {
            if let Some(buf) = conn.catching_up.as_mut() {
                buf.extend(frames.iter().cloned());
                continue;
            }
            if last <= conn.last_sent {
                continue; // already sent (history/live seam, or republished frames)
            }
            let batch = if first > conn.last_sent {
                frames.clone()
            } else {
                frames.iter().filter(|f| f.seq().is_some_and(|s| s > conn.last_sent)).cloned().collect()
            };
            let n = batch.len();
            if !conn.backlog.reserve(n) {
                dropped.push((*id, Dropped::Slow));
                continue;
            }
            match conn.addr.try_send(Deliver::Frames(batch)) {
                Ok(()) => {
                    conn.last_sent = last;
                    delivered += n as u64;
                }
                Err(e) => {
                    conn.backlog.release(n);
                    let why = if matches!(e, SendError::Full(_)) { Dropped::Slow } else { Dropped::Gone };
                    dropped.push((*id, why));
                }
            }
        }
        self.deps.stats.deliveries.inc_by(delivered);
        for (id, why) in dropped {
            self.drop_conn(id, why);
        }
    }

    /// Sends one frame to one connection; a full mailbox marks it a slow consumer. Frames
    /// with a `seq` keep each connection's order (at most once, ascending); others just go.
    pub(super) fn send_to(&mut self, conn_id: u64, frame: &Arc<SharedFrame>) -> bool {
        self.deliver(conn_id, frame, true)
    }

    /// To every connection, optionally except one.
    pub(super) fn broadcast(&mut self, frame: &Arc<SharedFrame>, except: Option<u64>) {
        self.broadcast_as(frame, except, true);
    }

    /// To every connection, optionally except one; `ordered`: see `send_to`.
    pub(super) fn broadcast_as(&mut self, frame: &Arc<SharedFrame>, except: Option<u64>, ordered: bool) {
        let ids: Vec<u64> = self.conns.keys().copied().filter(|id| Some(*id) != except).collect();
        for id in ids {
            self.deliver(id, frame, ordered);
        }
    }

    fn deliver(&mut self, conn_id: u64, frame: &Arc<SharedFrame>, ordered: bool) -> bool {
        let Some(conn) = self.conns.get_mut(&conn_id) else { return false };
        let seq = frame.seq().filter(|_| ordered);
        if let Some(seq) = seq {
            if let Some(buf) = conn.catching_up.as_mut() {
                buf.push(frame.clone());
                return true;
            }
            if seq <= conn.last_sent {
                return true; // already sent (history/live seam, or a republished frame)
            }
        }
        match conn.addr.try_send(Deliver::Frame(frame.clone())) {
            Ok(()) => {
                if let Some(seq) = seq {
                    conn.last_sent = seq;
                }
                self.deps.stats.deliveries.inc();
                true
            }
            Err(SendError::Full(_)) => {
                self.drop_conn(conn_id, Dropped::Slow);
                false
            }
            Err(SendError::Closed(_)) => {
                self.drop_conn(conn_id, Dropped::Gone);
                false
            }
        }
    }

    /// A connection that missed a frame never gets a later one (that would be a gap): it is
    /// removed, and a slow one is told to resume.
    fn drop_conn(&mut self, conn_id: u64, why: Dropped) {
        let addr = match (&why, self.conns.get(&conn_id)) {
            (Dropped::Slow, Some(conn)) => Some(conn.addr.clone()),
            _ => None,
        };
        self.remove_conn(conn_id);
        if let Some(addr) = addr {
            self.deps.stats.slow_consumers.inc();
            addr.do_send(Deliver::Close(close::SLOW_CONSUMER));
        }
    }
}
