//! `Presence`: this node's connections per user (a user's several connections count as one
//! online user) and the user channel: frames addressed to a user reach all their connections.

use crate::conn::{Deliver, UserControl};
use crate::ports::Fanout;
use crate::protocol::SharedFrame;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use veza_core::{RoomId, UserId};

#[derive(Default)]
pub struct Presence {
    users: HashMap<UserId, HashMap<u64, Recipient<Deliver>>>,
}

impl Actor for Presence {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Connect {
    pub user: UserId,
    pub conn: u64,
    pub addr: Recipient<Deliver>,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnect {
    pub user: UserId,
    pub conn: u64,
}

/// A frame for every local connection of `user` (a live hint: dropped for a full mailbox).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ToUser {
    pub user: UserId,
    pub frame: Arc<SharedFrame>,
}

/// A backend's order for every local connection of `user` (unlike frames, never dropped for
/// a full mailbox: an order the connection misses would leave it out of step).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ToUserControl {
    pub user: UserId,
    pub control: UserControl,
}

/// Online users and connections on this node.
#[derive(Message)]
#[rtype(result = "PresenceCounts")]
pub struct Counts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, MessageResponse)]
pub struct PresenceCounts {
    pub users: usize,
    pub connections: usize,
}

#[derive(Message)]
#[rtype(result = "bool")]
pub struct IsOnline(pub UserId);

/// The users with at least one connection on this node.
#[derive(Message)]
#[rtype(result = "Vec<UserId>")]
pub struct OnlineUsers;

impl Handler<Connect> for Presence {
    type Result = ();
    fn handle(&mut self, m: Connect, _: &mut Context<Self>) {
        self.users.entry(m.user).or_default().insert(m.conn, m.addr);
    }
}

impl Handler<Disconnect> for Presence {
    type Result = ();
    fn handle(&mut self, m: Disconnect, _: &mut Context<Self>) {
        if let Some(conns) = self.users.get_mut(&m.user) {
            conns.remove(&m.conn);
            if conns.is_empty() {
                self.users.remove(&m.user);
            }
        }
    }
}

impl Handler<ToUser> for Presence {
    type Result = ();
    fn handle(&mut self, m: ToUser, _: &mut Context<Self>) {
        if let Some(conns) = self.users.get(&m.user) {
            for addr in conns.values() {
                let _ = addr.try_send(Deliver::Frame(m.frame.clone()));
            }
        }
    }
}

impl Handler<ToUserControl> for Presence {
    type Result = ();
    fn handle(&mut self, m: ToUserControl, _: &mut Context<Self>) {
        if let Some(conns) = self.users.get(&m.user) {
            for addr in conns.values() {
                addr.do_send(Deliver::Control(m.control.clone()));
            }
        }
    }
}

impl Handler<Counts> for Presence {
    type Result = PresenceCounts;
    fn handle(&mut self, _: Counts, _: &mut Context<Self>) -> PresenceCounts {
        PresenceCounts { users: self.users.len(), connections: self.users.values().map(HashMap::len).sum() }
    }
}

impl Handler<IsOnline> for Presence {
    type Result = bool;
    fn handle(&mut self, m: IsOnline, _: &mut Context<Self>) -> bool {
        self.users.contains_key(&m.0)
    }
}

impl Handler<OnlineUsers> for Presence {
    type Result = MessageResult<OnlineUsers>;
    fn handle(&mut self, _: OnlineUsers, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.users.keys().copied().collect())
    }
}

impl Supervised for Presence {}

/// Fan-out within one process: user frames go to this node's connections of the user.
pub struct LocalFanout {
    presence: Addr<Presence>,
}

impl LocalFanout {
    pub fn new(presence: Addr<Presence>) -> Self {
        LocalFanout { presence }
    }
}

impl Fanout for LocalFanout {
    fn publish_room(&self, _room: RoomId, _frame: Arc<SharedFrame>) {}

    fn publish_user(&self, user: UserId, frame: Arc<SharedFrame>) {
        self.presence.do_send(ToUser { user, frame });
    }

    fn control_user(&self, user: UserId, control: UserControl) {
        self.presence.do_send(ToUserControl { user, control });
    }
}
