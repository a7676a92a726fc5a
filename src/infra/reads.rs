//! Where a read-only query runs: the replica when it is usable and has what the reader may
//! need, else the primary. Read-your-writes: after a user's write the primary's WAL position is
//! kept as theirs (in Redis, so every node sees it); their reads go to the replica only once it
//! has replayed that far, waiting `database.read_your_writes_wait_ms` at most. Without Redis,
//! while it is away, and for a while after a position could not be recorded or read, an
//! authenticated reader reads the primary (their last write may be unknown here).
//!
//! Never routed here: read-cache loaders, the chat store (resume follows seq order), anything
//! in a transaction: they use the primary pool directly.

use super::health::{DepState, Dependency, DependencyStatus};
use super::redis::Redis;
use super::replica::{Lsn, Replica, insert_position, primary_position, replayed};
use crate::db::{DbError, DbPool, PooledConn, checkout};
use crate::metrics::Metrics;
use diesel_async::AsyncPgConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use veza_core::UserId;

/// Raises each user's write position (KEYS) to ARGV[1] unless it is already past it (fixed-width
/// hex compares as text) and renews its expiry: two nodes recording out of order never move a
/// position back. One call for a whole chat batch.
const KEEP_MAX: &str = r"
for _, key in ipairs(KEYS) do
  local cur = redis.call('GET', key)
  if (not cur) or cur < ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
  else
    redis.call('PEXPIRE', key, ARGV[2])
  end
end
return #KEYS";

/// Which database served a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Primary,
    Replica,
}

pub struct ReadsParts {
    pub primary: DbPool,
    pub replica: Option<Replica>,
    pub redis: Option<Redis>,
    pub deps: Arc<DependencyStatus>,
    pub wait: Duration,
    pub max_lag: Duration,
    pub metrics: Metrics,
}

#[derive(Clone)]
pub struct Reads {
    primary: DbPool,
    replica: Option<Replica>,
    redis: Option<Redis>,
    deps: Arc<DependencyStatus>,
    wait: Duration,
    /// How long a write position is kept: past the largest lag the replica is read with, a
    /// replica that has not replayed it is not read at all.
    keep: Duration,
    metrics: Metrics,
    /// Milliseconds after `epoch` until which authenticated reads go to the primary: a write
    /// position may have been lost (Redis failed to take or give one).
    doubt_until: Arc<AtomicU64>,
    epoch: Instant,
}

impl Reads {
    pub fn new(p: ReadsParts) -> Self {
        Reads {
            primary: p.primary,
            replica: p.replica,
            redis: p.redis,
            deps: p.deps,
            wait: p.wait,
            keep: (p.max_lag * 2).max(Duration::from_secs(10)),
            metrics: p.metrics,
            doubt_until: Arc::default(),
            epoch: Instant::now(),
        }
    }

    /// Whether a replica is configured (usable or not).
    pub fn replicated(&self) -> bool {
        self.replica.is_some()
    }

    /// Whether writes are recorded (a replica and Redis): callers skip collecting them otherwise.
    pub fn keeps_positions(&self) -> bool {
        self.replica.is_some() && self.redis.is_some()
    }

    /// A connection for a read-only query by `reader` (None: anonymous, no writes of its own).
    pub async fn conn(&self, reader: Option<UserId>) -> Result<PooledConn<'_>, DbError> {
        if let Some(conn) = self.replica_conn(reader).await {
            self.count(Target::Replica);
            return Ok(conn);
        }
        self.count(Target::Primary);
        checkout(&self.primary).await
    }

    /// A replica connection when `reader` may read the replica now (not counted: the caller
    /// may still find it short and read the primary; it says where it read with `count`).
    pub async fn replica_conn(&self, reader: Option<UserId>) -> Option<PooledConn<'_>> {
        match (self.target(reader).await, &self.replica) {
            // The replica's pool gives up quickly; the read is then answered by the primary.
            (Target::Replica, Some(r)) => checkout(&r.pool).await.ok(),
            _ => None,
        }
    }

    /// Counts a read in `veza_db_reads_total`.
    pub fn count(&self, target: Target) {
        let label = if target == Target::Replica { "replica" } else { "primary" };
        self.metrics.db_reads.with_label_values(&[label]).inc();
    }

    /// Where `reader`'s read goes now.
    pub async fn target(&self, reader: Option<UserId>) -> Target {
        let Some(replica) = self.replica.as_ref().filter(|r| r.state.usable()) else {
            return Target::Primary;
        };
        let Some(user) = reader else { return Target::Replica };
        let Some(redis) = self.redis.as_ref().filter(|_| self.positions_trusted()) else {
            return Target::Primary;
        };
        let wrote = match self.position_of(redis, user).await {
            Some(None) => return Target::Replica,
            Some(Some(lsn)) => lsn,
            None => {
                self.doubt();
                return Target::Primary;
            }
        };
        match self.caught_up(replica, wrote).await {
            true => Target::Replica,
            false => Target::Primary,
        }
    }

    /// Whether the replica has replayed `wrote`, waiting `wait` at most. One probe at a time
    /// per node: the readers waiting meanwhile share its answer.
    async fn caught_up(&self, replica: &Replica, wrote: Lsn) -> bool {
        let state = &replica.state;
        let waiting = async {
            loop {
                let probed = state.probed.notified();
                if state.replayed() >= wrote {
                    return;
                }
                match state.probe.try_lock() {
                    Ok(_probing) => {
                        if let Some(replay) = replayed(&replica.pool).await {
                            state.saw_replayed(replay);
                        }
                        state.probed.notify_waiters();
                        if state.replayed() < wrote {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    }
                    Err(_) => probed.await,
                }
            }
        };
        tokio::time::timeout(self.wait, waiting).await.is_ok()
    }

    /// Records, after their commit on `conn`, that `users` just wrote: their next reads wait
    /// for the replica to replay this far. A no-op without a replica and Redis.
    pub async fn wrote_on(&self, conn: &mut AsyncPgConnection, users: &[UserId]) {
        if !self.keeps_positions() || users.is_empty() {
            return;
        }
        let lsn = insert_position(conn).await;
        self.record(lsn, users).await;
    }

    /// As `wrote_on`, on a connection of its own (the HTTP middleware has none).
    pub async fn wrote(&self, users: &[UserId]) {
        if !self.keeps_positions() || users.is_empty() {
            return;
        }
        let lsn = primary_position(&self.primary).await;
        self.record(lsn, users).await;
    }

    async fn record(&self, lsn: Option<Lsn>, users: &[UserId]) {
        let recorded = match (lsn, &self.redis) {
            (Some(lsn), Some(redis)) if self.redis_up() => self.keep_max(redis, lsn, users).await,
            _ => Err("no WAL position or Redis away".to_owned()),
        };
        if let Err(e) = recorded {
            // This node's authenticated reads go to the primary for a while; another node may
            // still read the replica for these users before it has their write: say so.
            self.doubt();
            self.metrics.db_positions_lost.inc_by(users.len() as u64);
            tracing::warn!(error = %e, users = users.len(), "write position not recorded; reads here go to the primary for a while");
        }
    }

    async fn keep_max(&self, redis: &Redis, lsn: Lsn, users: &[UserId]) -> Result<(), String> {
        let script = redis::Script::new(KEEP_MAX);
        let mut call = script.prepare_invoke();
        for user in users {
            call.key(redis.key(&format!("rw:{user}")));
        }
        call.arg(format!("{:016x}", lsn.0)).arg(self.keep.as_millis().to_string());
        let mut conn = redis.connection().await.map_err(|e| e.to_string())?;
        // invoke_async loads the script when the server does not have it yet.
        redis.timed(call.invoke_async::<i64>(&mut conn)).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// The user's last write position: Some(None) when they have none, None when it cannot be
    /// known (Redis away).
    async fn position_of(&self, redis: &Redis, user: UserId) -> Option<Option<Lsn>> {
        let mut conn = redis.connection().await.ok()?;
        let key = redis.key(&format!("rw:{user}"));
        let value: Option<String> = redis.timed(redis::cmd("GET").arg(key).query_async(&mut conn)).await.ok()?;
        Some(value.and_then(|v| u64::from_str_radix(&v, 16).ok()).map(Lsn))
    }

    fn redis_up(&self) -> bool {
        self.deps.get(Dependency::Redis) != DepState::Down
    }

    /// Redis up and no position lost lately.
    fn positions_trusted(&self) -> bool {
        self.redis_up() && self.now_ms() >= self.doubt_until.load(Ordering::Acquire)
    }

    fn doubt(&self) {
        self.doubt_until.fetch_max(self.now_ms() + self.keep.as_millis() as u64, Ordering::AcqRel);
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
