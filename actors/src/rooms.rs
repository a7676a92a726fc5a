//! `RoomRegistry`: room id -> `Addr<Room>`, with rooms spread over shards (one arbiter each).
//! The registry itself is a plain value: finding a room asks only the room's shard, and
//! sessions keep the address, so the message path never crosses a global actor.

use crate::room::{Room, RoomDeps, RoomStopped};
use crate::shard::shard_of;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use veza_core::RoomId;

pub struct RoomShard {
    deps: Arc<RoomDeps>,
    rooms: HashMap<RoomId, Addr<Room>>,
}

impl Actor for RoomShard {
    type Context = Context<Self>;
}

impl Supervised for RoomShard {}

/// The Room for `room`, started on this shard's arbiter when not live.
#[derive(Message)]
#[rtype(result = "Addr<Room>")]
pub struct GetRoom(pub RoomId);

impl Handler<GetRoom> for RoomShard {
    type Result = Addr<Room>;
    fn handle(&mut self, m: GetRoom, ctx: &mut Context<Self>) -> Addr<Room> {
        if let Some(addr) = self.rooms.get(&m.0).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr = Room::new(m.0, self.deps.clone(), Some(ctx.address().recipient())).start();
        self.rooms.insert(m.0, addr.clone());
        addr
    }
}

impl Handler<RoomStopped> for RoomShard {
    type Result = ();
    fn handle(&mut self, m: RoomStopped, _: &mut Context<Self>) {
        // Only forget it if no newer Room took the id meanwhile.
        if self.rooms.get(&m.room).is_some_and(|a| *a == m.addr) {
            self.rooms.remove(&m.room);
        }
    }
}

/// Every live room on this shard re-reads what it may have missed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ResyncAll;

impl Handler<ResyncAll> for RoomShard {
    type Result = ();
    fn handle(&mut self, _: ResyncAll, _: &mut Context<Self>) {
        for addr in self.rooms.values() {
            addr.do_send(crate::room::Resync);
        }
    }
}

/// Live rooms on this shard.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct LiveRooms;

impl Handler<LiveRooms> for RoomShard {
    type Result = usize;
    fn handle(&mut self, _: LiveRooms, _: &mut Context<Self>) -> usize {
        self.rooms.values().filter(|a| a.connected()).count()
    }
}

#[derive(Clone)]
pub struct RoomRegistry {
    shards: Arc<Vec<Addr<RoomShard>>>,
}

impl RoomRegistry {
    /// `shards` new arbiters (at least one), each running one `RoomShard`.
    pub fn start(shards: usize, deps: Arc<RoomDeps>) -> Self {
        Self::start_on(&Self::arbiters(shards), deps)
    }

    /// One `RoomShard` per given arbiter. A room lives on arbiter `shard_of(room, n)`, the same
    /// index as its writer in `RoomDeps::writers`: a node that starts writer `i` on arbiter `i` keeps a
    /// message's room -> writer -> room hops on one thread.
    pub fn start_on(arbiters: &[ArbiterHandle], deps: Arc<RoomDeps>) -> Self {
        let shards = arbiters
            .iter()
            .map(|arbiter| {
                let deps = deps.clone();
                RoomShard::start_in_arbiter(arbiter, move |_| RoomShard { deps, rooms: HashMap::new() })
            })
            .collect();
        RoomRegistry { shards: Arc::new(shards) }
    }

    /// The arbiters for `n` shards (at least one), for writers to share with the rooms.
    /// Dropping an `Arbiter` detaches its thread; it runs until the system stops.
    pub fn arbiters(n: usize) -> Vec<ArbiterHandle> {
        (0..n.max(1)).map(|_| Arbiter::new().handle()).collect()
    }

    fn shard(&self, room: RoomId) -> &Addr<RoomShard> {
        &self.shards[shard_of(room, self.shards.len())]
    }

    /// The live Room for `room` (started if needed).
    pub async fn get(&self, room: RoomId) -> Result<Addr<Room>, MailboxError> {
        self.shard(room).send(GetRoom(room)).await
    }

    /// Every live room compares its seq with the store (after the broker came back).
    pub fn resync_all(&self) {
        for s in self.shards.iter() {
            s.do_send(ResyncAll);
        }
    }

    /// Live rooms on this node.
    pub async fn live_rooms(&self) -> usize {
        let mut n = 0;
        for s in self.shards.iter() {
            n += s.send(LiveRooms).await.unwrap_or(0);
        }
        n
    }
}
