use super::DbError;
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

/// The node's connection pool.
pub type DbPool = bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>;

/// A connection checked out of the pool.
pub type PooledConn<'a> = bb8::PooledConnection<'a, AsyncDieselConnectionManager<AsyncPgConnection>>;

/// Checks a connection out, as a `DbError` every layer's error converts from.
pub async fn checkout(pool: &DbPool) -> Result<PooledConn<'_>, DbError> {
    pool.get().await.map_err(|e| DbError::Pool(e.to_string()))
}

/// Builds the pool without connecting: connections open on first use, so a database that is
/// down at this moment is reported by `/ready`, not by a crash.
pub fn build_pool(url: &str, size: u32, timeout: Duration) -> DbPool {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::CustomFunction(Box::new(|conn| Box::pin(still_open(conn))));
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    bb8::Pool::builder()
        .max_size(size)
        .connection_timeout(timeout)
        // A connection that died with the server must not be handed out again.
        .test_on_check_out(true)
        .build_unchecked(manager)
}

/// The checkout test: is the connection's socket still open (and no transaction left broken)?
/// Not the default `SELECT 1`, a round trip on every checkout (~7% of a search's throughput,
/// measured): a server that ends a session says so on the socket, and the driver's connection
/// task marks the client closed as soon as it reads that, before anyone checks it out again.
async fn still_open(conn: &mut AsyncPgConnection) -> Result<(), QueryError> {
    if conn.is_broken() {
        let why = "the connection was closed by the server".to_string();
        return Err(QueryError::DatabaseError(DatabaseErrorKind::ClosedConnection, Box::new(why)));
    }
    Ok(())
}

/// Checks out a connection and runs `SELECT 1`, all within `timeout`.
pub async fn ping(pool: &DbPool, timeout: Duration) -> Result<(), DbError> {
    let work = async {
        let mut conn = checkout(pool).await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| DbError::Timeout(timeout.as_millis() as u64))?
}

/// Pool occupancy for the metrics gauges.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
    /// Checkouts that gave up waiting, since the pool was built.
    pub timed_out: u64,
}

impl PoolStats {
    pub fn of(pool: &DbPool, max: u32) -> Self {
        let s = pool.state();
        PoolStats { connections: s.connections, idle: s.idle_connections, max, timed_out: s.statistics.get_timed_out }
    }
}
