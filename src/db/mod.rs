//! PostgreSQL: the pool (diesel-async over bb8), database creation and embedded migrations,
//! and the tables no feature owns (idempotency records, the mail outbox, expired rows).
//! No libpq: diesel-async talks to PostgreSQL through tokio-postgres.

mod error;
pub mod expired;
pub mod idempotency;
pub mod migrate;
pub mod outbox;
mod pool;
pub mod schema;

pub use error::DbError;
pub use pool::{DbPool, PoolStats, PooledConn, build_pool, checkout, ping};
