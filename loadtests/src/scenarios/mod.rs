pub mod fanout;
pub mod health;
