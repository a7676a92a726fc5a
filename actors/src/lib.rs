//! Veza's realtime core: the node's supervision tree and, as the chat work lands, the
//! session, room, presence and writer actors. No HTTP and no SQL live here: actors that need
//! them are written in the `veza` crate and handed to the [`NodeSupervisor`].

pub mod protocol;
pub mod supervisor;

pub use supervisor::{Drain, DrainAll, DrainReport, NodeSupervisor, RegisterDrainHook};
