//! Where a read-only query runs: the replica when it is usable and has what the reader may
//! need, else the primary. Read-your-writes: after a user's write the primary's WAL position is
//! kept as theirs (in Redis, so every node sees it); their reads go to the replica only once it
//! has replayed that far, waiting `database.read_your_writes_wait_ms` at most. Without Redis an
//! authenticated reader always reads the primary (another node may hold their last write).
//!
//! Never routed here: read-cache loaders, the chat store (resume follows seq order), anything
//! in a transaction: they use the primary pool directly.

use super::redis::Redis;
use super::replica::{Lsn, Replica, primary_position, replayed};
use crate::db::{DbError, DbPool, PooledConn, checkout};
use crate::metrics::Metrics;
use std::time::Duration;
use veza_core::UserId;

/// Sets the user's write position to the larger of the stored one and ARGV[1] (fixed-width hex
/// compares as text), and renews its expiry: two nodes recording out of order never move a
/// user's position back.
const KEEP_MAX: &str = r"
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1";

#[derive(Clone)]
pub struct Reads {
    primary: DbPool,
    replica: Option<Replica>,
    redis: Option<Redis>,
    wait: Duration,
    /// How long a write position is kept: past the largest lag the replica is read with, a
    /// replica that has not replayed it is not read at all.
    keep: Duration,
    metrics: Metrics,
}

/// Which database served a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Primary,
    Replica,
}

impl Target {
    fn label(self) -> &'static str {
        match self {
            Target::Primary => "primary",
            Target::Replica => "replica",
        }
    }
}

impl Reads {
    pub fn new(
        primary: DbPool,
        replica: Option<Replica>,
        redis: Option<Redis>,
        wait: Duration,
        max_lag: Duration,
        metrics: Metrics,
    ) -> Self {
        let keep = (max_lag * 2).max(Duration::from_secs(10));
        Reads { primary, replica, redis, wait, keep, metrics }
    }

    /// A connection for a read-only query by `reader` (None: anonymous, no writes of its own).
    pub async fn conn(&self, reader: Option<UserId>) -> Result<PooledConn<'_>, DbError> {
        let target = self.target(reader).await;
        self.metrics.db_reads.with_label_values(&[target.label()]).inc();
        match (target, &self.replica) {
            (Target::Replica, Some(r)) => match checkout(&r.pool).await {
                Ok(conn) => Ok(conn),
                // The monitor has not noticed yet: this read still gets its answer.
                Err(_) => checkout(&self.primary).await,
            },
            _ => checkout(&self.primary).await,
        }
    }

    /// Where `reader`'s read goes now.
    pub async fn target(&self, reader: Option<UserId>) -> Target {
        let Some(replica) = self.replica.as_ref().filter(|r| r.state.usable()) else {
            return Target::Primary;
        };
        let Some(user) = reader else { return Target::Replica };
        let Some(redis) = &self.redis else { return Target::Primary };
        let wrote = match self.position_of(redis, user).await {
            Ok(None) => return Target::Replica,
            Ok(Some(lsn)) => lsn,
            Err(()) => return Target::Primary,
        };
        if replica.state.replayed() >= wrote {
            return Target::Replica;
        }
        // Behind the reader's own write: wait a little for the replay, then give up on it.
        let deadline = tokio::time::Instant::now() + self.wait;
        while tokio::time::Instant::now() < deadline {
            if let Some((replay, _)) = replayed(&replica.pool).await {
                replica.state.saw_replayed(replay);
                if replay >= wrote {
                    return Target::Replica;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Target::Primary
    }

    /// Whether a replica is configured (usable or not).
    pub fn replicated(&self) -> bool {
        self.replica.is_some()
    }

    /// Whether writes are recorded (a replica and Redis): callers skip collecting them otherwise.
    pub fn keeps_positions(&self) -> bool {
        self.replica.is_some() && self.redis.is_some()
    }

    /// Records that `users` just wrote (after the commit): their next reads wait for the
    /// replica to replay this far. A no-op without a replica.
    pub async fn wrote(&self, users: &[UserId]) {
        let (Some(_), Some(redis)) = (&self.replica, &self.redis) else { return };
        if users.is_empty() {
            return;
        }
        let Some(lsn) = primary_position(&self.primary).await else { return };
        let value = format!("{:016x}", lsn.0);
        let keep = self.keep.as_millis().to_string();
        let script = redis::Script::new(KEEP_MAX);
        let Ok(mut conn) = redis.connection().await else { return };
        for user in users {
            // invoke_async loads the script when the server does not have it yet (a pipeline
            // would fail on NOSCRIPT instead).
            let mut call = script.key(redis.key(&format!("rw:{user}")));
            call.arg(&value).arg(&keep);
            if let Err(e) = redis.timed(call.invoke_async::<i64>(&mut conn)).await {
                // The reader's next read may then see the replica before its write: say so.
                tracing::warn!(error = %e, %user, "write position not recorded; a read may miss this write");
            }
        }
    }

    async fn position_of(&self, redis: &Redis, user: UserId) -> Result<Option<Lsn>, ()> {
        let mut conn = redis.connection().await.map_err(|_| ())?;
        let key = redis.key(&format!("rw:{user}"));
        let value: Option<String> =
            redis.timed(redis::cmd("GET").arg(key).query_async(&mut conn)).await.map_err(|_| ())?;
        Ok(value.and_then(|v| u64::from_str_radix(&v, 16).ok()).map(Lsn))
    }
}
