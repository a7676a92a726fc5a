//! Which shard (arbiter) a room lives on, and so which writer stores its messages: the registry
//! and the Room's post path must agree, so the rule is written once, here.

use uuid::Uuid;

/// The shard (and writer) of a room among `n`: a room always lands on the same one.
pub fn shard_of(room: Uuid, n: usize) -> usize {
    (room.as_u128() % n.max(1) as u128) as usize
}
