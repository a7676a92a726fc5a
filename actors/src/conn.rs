//! What a connection is handed: frames to write (`Deliver`) and the bound on how many may wait
//! unwritten (`Backlog`). Rooms and the user channel send these; the WebSocket session
//! receives them; neither needs to know the other.

use crate::protocol::SharedFrame;
use actix::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Frames handed to a session in `Deliver::Frames` and not yet written out. A Room batches
/// frames, so the mailbox's capacity (in messages) no longer bounds how far behind a client may
/// fall; this does, in frames: a Room that cannot reserve room for a batch drops the connection
/// as a slow consumer (4008), exactly as a full mailbox did.
#[derive(Debug)]
pub struct Backlog {
    queued: AtomicUsize,
    limit: usize,
}

impl Backlog {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Backlog { queued: AtomicUsize::new(0), limit })
    }

    /// Reserves `n` frames; false (and nothing reserved) past the limit.
    pub fn reserve(&self, n: usize) -> bool {
        let prev = self.queued.fetch_add(n, Ordering::AcqRel);
        if prev + n > self.limit {
            self.release(n);
            return false;
        }
        true
    }

    /// `n` reserved frames were written (or will never be).
    pub fn release(&self, n: usize) {
        let _ = self.queued.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_sub(n)));
    }
}

/// What a Room or the user channel gives a session.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub enum Deliver {
    Frame(Arc<SharedFrame>),
    /// In-order frames a Room flushed together (one mailbox operation for all of them),
    /// reserved in the session's `Backlog`.
    Frames(Arc<[Arc<SharedFrame>]>),
    /// Close with this code (4008 slow consumer, 1008 policy, 1012 restart).
    Close(u16),
    /// What a backend asked of every connection of a user (`presence::ToUserControl`).
    Control(UserControl),
}

/// A backend's order for a user's connections, wherever they are (server API).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserControl {
    /// Close with `code` (4000-4499) and `reason`.
    Disconnect { code: u16, reason: String },
    /// The user became a member of `room`: join it.
    Subscribe { room: veza_core::RoomId },
    /// The user is no longer a member of `room`: leave it.
    Unsubscribe { room: veza_core::RoomId },
}

/// WebSocket close codes Veza uses, named once (`../shared/API.md`).
pub mod close {
    /// The login session was revoked or the user denied (policy violation).
    pub const POLICY: u16 = 1008;
    /// A frame larger than `protocol::MAX_FRAME_BYTES`.
    pub const TOO_BIG: u16 = 1009;
    /// The node is draining: reconnect (to another node).
    pub const SERVICE_RESTART: u16 = 1012;
    /// A slow consumer: the connection fell too far behind; resume with `last_seen`.
    pub const SLOW_CONSUMER: u16 = 4008;
}
