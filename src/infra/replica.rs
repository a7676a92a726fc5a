//! The read replica (`database.read_url`): its pool, and the actor that measures how far its
//! replay is behind the primary. The replica is read from only while it answers and lags less
//! than `database.max_replica_lag_ms`; otherwise `/health` says degraded and reads go to the
//! primary.

use super::health::{DepState, Dependency, DependencyStatus};
use crate::db::{DbPool, checkout};
use crate::metrics::Metrics;
use actix::prelude::*;
use diesel::QueryableByName;
use diesel::sql_types::{Double, Nullable, Text};
use diesel_async::RunQueryDsl;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A WAL position (`pg_lsn`) as a number: positions compare as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl Lsn {
    /// From PostgreSQL's text form, `16/B374D848`.
    pub fn parse(s: &str) -> Option<Lsn> {
        let (hi, lo) = s.split_once('/')?;
        Some(Lsn((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?))
    }
}

/// What the monitor last saw, read by every reader without waiting.
#[derive(Debug, Default)]
pub struct ReplicaState {
    usable: AtomicBool,
    replayed: AtomicU64,
}

impl ReplicaState {
    pub fn usable(&self) -> bool {
        AtomicBool::load(&self.usable, Ordering::Acquire)
    }

    /// The last replay position seen; only ever moves forward.
    pub fn replayed(&self) -> Lsn {
        Lsn(AtomicU64::load(&self.replayed, Ordering::Acquire))
    }

    pub fn saw_replayed(&self, lsn: Lsn) {
        self.replayed.fetch_max(lsn.0, Ordering::AcqRel);
    }
}

#[derive(Clone)]
pub struct Replica {
    pub pool: DbPool,
    pub state: Arc<ReplicaState>,
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = Nullable<Text>)]
    lsn: Option<String>,
}

#[derive(QueryableByName)]
struct Replay {
    #[diesel(sql_type = Nullable<Text>)]
    lsn: Option<String>,
    /// Seconds since the last replayed transaction committed on the primary.
    #[diesel(sql_type = Nullable<Double>)]
    behind: Option<f64>,
}

/// The primary's current WAL position (after a commit, at or past that commit).
pub async fn primary_position(primary: &DbPool) -> Option<Lsn> {
    let mut conn = checkout(primary).await.ok()?;
    let row: Position =
        diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn").get_result(&mut conn).await.ok()?;
    row.lsn.as_deref().and_then(Lsn::parse)
}

/// How far the replica has replayed (None: not a replica, or unreachable).
pub async fn replayed(replica: &DbPool) -> Option<(Lsn, Option<f64>)> {
    let mut conn = checkout(replica).await.ok()?;
    let row: Replay = diesel::sql_query(
        "SELECT pg_last_wal_replay_lsn()::text AS lsn, \
         EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))::float8 AS behind",
    )
    .get_result(&mut conn)
    .await
    .ok()?;
    Some((row.lsn.as_deref().and_then(Lsn::parse)?, row.behind))
}

/// Measures the replica's lag every `interval`: 0 when it has replayed everything the primary
/// had; behind, the shorter of the time since the last transaction it replayed committed (an
/// idle primary makes that old) and the time it has been seen behind (a busy primary keeps
/// the replica always a little behind): a stalled replay grows both.
pub struct ReplicaMonitor {
    primary: DbPool,
    replica: Replica,
    max_lag: Duration,
    interval: Duration,
    deps: Arc<DependencyStatus>,
    metrics: Metrics,
    behind_since: Option<Instant>,
}

/// One look at both servers: (replayed, seconds since the last replayed commit, the primary's head).
type Look = Option<(Lsn, Option<f64>, Lsn)>;

impl ReplicaMonitor {
    pub fn new(
        primary: DbPool,
        replica: Replica,
        max_lag: Duration,
        interval: Duration,
        deps: Arc<DependencyStatus>,
        metrics: Metrics,
    ) -> Self {
        ReplicaMonitor { primary, replica, max_lag, interval, deps, metrics, behind_since: None }
    }

    fn look(&self) -> impl Future<Output = Look> + 'static {
        let (primary, replica) = (self.primary.clone(), self.replica.pool.clone());
        let timeout = self.interval.max(Duration::from_millis(500));
        async move {
            let both = async {
                let (replay, behind) = replayed(&replica).await?;
                Some((replay, behind, primary_position(&primary).await?))
            };
            tokio::time::timeout(timeout, both).await.ok().flatten()
        }
    }

    fn record(&mut self, look: Look) {
        let lag = look.map(|(replay, since_commit, head)| {
            self.replica.state.saw_replayed(replay);
            if replay >= head {
                self.behind_since = None;
                return 0.0;
            }
            let seen_behind = self.behind_since.get_or_insert_with(Instant::now).elapsed().as_secs_f64();
            since_commit.unwrap_or(f64::MAX).max(0.0).min(seen_behind)
        });
        let usable = lag.is_some_and(|l| l <= self.max_lag.as_secs_f64());
        if let Some(l) = lag {
            self.metrics.db_replica_lag.set(l);
        }
        let before = self.replica.state.usable.swap(usable, Ordering::AcqRel);
        self.metrics.dependency_up.with_label_values(&["replica"]).set(i64::from(usable));
        self.deps.set(Dependency::Replica, if usable { DepState::Ok } else { DepState::Down });
        if before != usable {
            match lag {
                Some(lag_s) if usable => tracing::info!(lag_s, "replica in use for reads"),
                Some(lag_s) => tracing::warn!(lag_s, "replica lags too far; reads go to the primary"),
                None => tracing::warn!("replica unreachable; reads go to the primary"),
            }
        }
    }
}

impl Actor for ReplicaMonitor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.wait(self.look().into_actor(self).map(|look, this, _| this.record(look)));
        ctx.run_interval(self.interval, |this, ctx| {
            // `wait`: one look at a time, however slow the replica answers.
            ctx.wait(this.look().into_actor(this).map(|look, this, _| this.record(look)));
        });
    }
}

impl Supervised for ReplicaMonitor {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_as_numbers() {
        assert_eq!(Lsn::parse("0/0"), Some(Lsn(0)));
        assert_eq!(Lsn::parse("16/B374D848"), Some(Lsn((0x16 << 32) | 0xB374_D848)));
        assert!(Lsn::parse("1/FF") < Lsn::parse("2/0"));
        assert_eq!(Lsn::parse("garbage"), None);
    }
}
