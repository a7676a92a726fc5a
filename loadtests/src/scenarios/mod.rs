pub mod chat_fanout;
pub mod health;
pub mod marketplace;
