//! PostgreSQL: the pool (diesel-async over bb8), database creation and embedded migrations.
//! No libpq: diesel-async talks to PostgreSQL through tokio-postgres.

mod error;
pub mod migrate;
mod pool;
pub mod schema;

pub use error::DbError;
pub use pool::{DbPool, PoolStats, PooledConn, build_pool, checkout, ping};
