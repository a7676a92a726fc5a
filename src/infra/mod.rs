//! Connections to what the node depends on, and the actor that watches them.

pub mod amqp;
pub mod health;
pub mod housekeeping;
pub mod mail;
pub mod monitor;
