//! Veza's realtime core: the node's supervision tree, the WebSocket session, Rooms sharded over
//! arbiters, presence and the user channel, the batching message writer, and the ports the
//! application implements (`ChatStore`, `Fanout`, `SendPolicy`). No SQL lives here.

pub mod conn;
pub mod ports;
pub mod presence;
pub mod protocol;
#[cfg(test)]
mod protocol_props;
pub mod room;
pub mod rooms;
pub mod session;
pub mod shard;
pub mod stats;
pub mod supervisor;
pub mod trace;
pub mod writer;

pub use supervisor::{Drain, DrainAll, DrainReport, NodeSupervisor, RegisterDrainHook};
