pub mod chat_fanout;
pub mod health;
