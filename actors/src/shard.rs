//! Which shard (arbiter) a room lives on, and so which writer stores its messages: the registry
//! and the Room's post path must agree, so the rule is written once, here.

use veza_core::RoomId;

/// The shard (and writer) of a room among `n`: a room always lands on the same one.
pub fn shard_of(room: RoomId, n: usize) -> usize {
    (room.0.as_u128() % n.max(1) as u128) as usize
}
