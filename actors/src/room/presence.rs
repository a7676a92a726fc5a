//! Who is online in a Room: announced to local members and other nodes; with a shared
//! presence store (Redis), a user counts once across nodes and a dead node's users go offline
//! when their entries expire.

use super::Room;
use crate::ports::PresenceChange;
use crate::protocol::{ServerFrame, SharedFrame, UserRef};
use actix::prelude::*;
use std::collections::HashMap;
use veza_core::UserId;

impl Room {
    /// The user's last local connection left: offline, unless another node still holds them.
    pub(super) fn user_left(&mut self, user: UserRef) {
        match (self.deps.presence.clone(), self.me.clone()) {
            (Some(presence), Some(me)) => {
                let room = self.id;
                actix::spawn(async move {
                    let change = presence.leave(room, user.id).await.ok();
                    me.do_send(PresenceSettled { user, change });
                });
            }
            _ => self.announce(user, false, None),
        }
    }

    /// A presence frame for local members and other nodes.
    pub(super) fn announce(&mut self, user: UserRef, online: bool, except: Option<u64>) {
        let frame = SharedFrame::new(ServerFrame::Presence { room: self.id, user, online });
        self.broadcast(&frame, except);
        self.deps.fanout.publish_room(self.id, frame);
    }

    /// Users whose entries expired (a node died) are offline; lapsed local ones are back.
    pub(super) fn apply_presence(&mut self, change: PresenceChange) {
        for user in change.gone {
            if !self.online.contains_key(&user.id) {
                self.announce(user, false, None);
            }
        }
        for user in change.back {
            self.announce(user, true, None);
        }
    }

    /// Refreshes this node's presence entries for its connected users.
    pub(super) fn heartbeat(&mut self, ctx: &mut Context<Self>) {
        let Some(presence) = self.deps.presence.clone() else { return };
        if self.conns.is_empty() {
            return;
        }
        let mut users: HashMap<UserId, UserRef> = HashMap::new();
        for c in self.conns.values() {
            users.entry(c.user.id).or_insert_with(|| c.user.clone());
        }
        let fut = presence.heartbeat(self.id, users.into_values().collect());
        ctx.spawn(fut.into_actor(self).map(|res, this, _| match res {
            Ok(change) => this.apply_presence(change),
            Err(e) => tracing::debug!(room = %this.id, error = %e, "presence heartbeat failed"),
        }));
    }
}

/// The shared presence store answered a leave.
#[derive(Message)]
#[rtype(result = "()")]
struct PresenceSettled {
    user: UserRef,
    /// `None`: the store did not answer; this node decides alone.
    change: Option<PresenceChange>,
}

impl Handler<PresenceSettled> for Room {
    type Result = ();
    fn handle(&mut self, m: PresenceSettled, _: &mut Context<Self>) {
        if self.online.contains_key(&m.user.id) {
            return; // back on this node meanwhile
        }
        match m.change {
            Some(c) => {
                if c.changed {
                    self.announce(m.user, false, None);
                }
                self.apply_presence(c);
            }
            None => self.announce(m.user, false, None),
        }
    }
}
