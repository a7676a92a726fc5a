pub mod connect_idle;
pub mod fanout;
pub mod health;
pub mod marketplace;
pub mod range_read;
pub mod rest_mixed;
pub mod search_freshness;
pub mod soak;
