//! The node's Redis handle (bb8-redis pool, key prefix, a deadline on every call), shared by
//! the rate limiter, room presence, the read cache and the denylist.

use bb8_redis::RedisConnectionManager;
use redis::aio::MultiplexedConnection;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("redis unavailable: {0}")]
    Unavailable(String),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("redis command failed: {0}")]
    Command(#[from] redis::RedisError),
}

#[derive(Clone)]
pub struct Redis {
    inner: Arc<Inner>,
}

struct Inner {
    pool: bb8::Pool<RedisConnectionManager>,
    prefix: String,
    timeout: Duration,
}

impl Redis {
    /// No connection is made here: a Redis that is away at start is just "down" until it
    /// answers. `timeout` bounds every call (checkout and command).
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, RedisError> {
        let manager = RedisConnectionManager::new(url)?;
        let pool = bb8::Pool::builder().max_size(16).connection_timeout(timeout).build_unchecked(manager);
        Ok(Redis { inner: Arc::new(Inner { pool, prefix: prefix.to_owned(), timeout }) })
    }

    /// `<prefix><suffix>`.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.inner.prefix)
    }

    /// A connection to run commands on (multiplexed: cloning it out of the pool is cheap).
    pub async fn connection(&self) -> Result<MultiplexedConnection, RedisError> {
        let checkout = self.inner.pool.get();
        match tokio::time::timeout(self.inner.timeout, checkout).await {
            Ok(Ok(conn)) => Ok(conn.clone()),
            Ok(Err(e)) => Err(RedisError::Unavailable(e.to_string())),
            Err(_) => Err(RedisError::Timeout(self.inner.timeout)),
        }
    }

    /// Runs a command future under the deadline.
    pub async fn timed<T>(&self, fut: impl Future<Output = redis::RedisResult<T>>) -> Result<T, RedisError> {
        match tokio::time::timeout(self.inner.timeout, fut).await {
            Ok(r) => Ok(r?),
            Err(_) => Err(RedisError::Timeout(self.inner.timeout)),
        }
    }
}
