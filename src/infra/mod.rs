//! Connections to what the node depends on, and the actor that watches them.

pub mod amqp;
pub mod background;
pub mod blobs;
pub mod cache;
pub mod envelope;
pub mod events;
pub mod health;
pub mod housekeeping;
pub mod mail;
pub mod monitor;
pub mod page_cache;
pub mod reads;
pub mod redis;
pub mod redis_presence;
pub mod replica;
pub mod tally;
