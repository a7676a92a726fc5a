//! The read replica (`database.read_url`): its pool, and the actor that measures how far its
//! replay is behind the primary. The replica is read from only while it answers and lags less
//! than `database.max_replica_lag_ms`; otherwise `/health` says degraded and reads go to the
//! primary.

use super::health::{DepState, Dependency, DependencyStatus};
use crate::db::{DbPool, checkout};
use crate::metrics::Metrics;
use actix::prelude::*;
use diesel::QueryableByName;
use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::VecDeque;
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
    /// One replay probe at a time per node; readers waiting for a position share its answer.
    pub probe: tokio::sync::Mutex<()>,
    pub probed: tokio::sync::Notify,
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

async fn position(conn: &mut AsyncPgConnection, sql: &'static str) -> Option<Lsn> {
    let row: Position = diesel::sql_query(sql).get_result(conn).await.ok()?;
    row.lsn.as_deref().and_then(Lsn::parse)
}

/// The primary's WAL insert position on `conn`: read after a commit on the same connection,
/// it is at or past that commit's record whatever `synchronous_commit` says.
pub async fn insert_position(conn: &mut AsyncPgConnection) -> Option<Lsn> {
    position(conn, "SELECT pg_current_wal_insert_lsn()::text AS lsn").await
}

/// The primary's WAL insert position.
pub async fn primary_position(primary: &DbPool) -> Option<Lsn> {
    insert_position(&mut *checkout(primary).await.ok()?).await
}

/// How far the replica has replayed (None: not a replica, or unreachable).
pub async fn replayed(replica: &DbPool) -> Option<Lsn> {
    position(&mut *checkout(replica).await.ok()?, "SELECT pg_last_wal_replay_lsn()::text AS lsn").await
}

/// Measures the replica's lag every `interval`, on connections of its own (a busy request pool
/// must not make the replica look down). Lag is read from the monitor's own samples of the
/// primary's head: the time since the primary first held WAL the replica has not replayed (no
/// clock of either server involved). Until it has seen the replica reach a sampled head, the
/// lag is unknown and the replica unused: a node starting beside a stalled replica never
/// trusts it. A failed look counts as down only after `FAILS_TO_DOWN` in a row.
pub struct ReplicaMonitor {
    replica: Replica,
    /// One connection each, the monitor's alone.
    probe_primary: DbPool,
    probe_replica: DbPool,
    max_lag: Duration,
    interval: Duration,
    deps: Arc<DependencyStatus>,
    metrics: Metrics,
    /// (when, the primary's head then), oldest first, about `2 * max_lag` of them.
    heads: VecDeque<(Instant, Lsn)>,
    fails: u32,
}

const FAILS_TO_DOWN: u32 = 3;

/// One look at both servers: the replica's replay position, and the primary's head (None when
/// only the primary's lookup failed: nothing is learnt then).
type Look = Result<(Lsn, Option<Lsn>), ()>;

pub struct MonitorParts {
    pub replica: Replica,
    pub probe_primary: DbPool,
    pub probe_replica: DbPool,
    pub max_lag: Duration,
    pub interval: Duration,
    pub deps: Arc<DependencyStatus>,
    pub metrics: Metrics,
}

impl ReplicaMonitor {
    pub fn new(p: MonitorParts) -> Self {
        ReplicaMonitor {
            replica: p.replica,
            probe_primary: p.probe_primary,
            probe_replica: p.probe_replica,
            max_lag: p.max_lag,
            interval: p.interval,
            deps: p.deps,
            metrics: p.metrics,
            heads: VecDeque::new(),
            fails: 0,
        }
    }

    fn look(&self) -> impl Future<Output = Look> + 'static {
        let (primary, replica) = (self.probe_primary.clone(), self.probe_replica.clone());
        let timeout = self.interval.max(Duration::from_millis(500));
        async move {
            let replay = tokio::time::timeout(timeout, replayed(&replica)).await.ok().flatten().ok_or(())?;
            let head = tokio::time::timeout(timeout, primary_position(&primary)).await.ok().flatten();
            Ok((replay, head))
        }
    }

    /// Seconds the replica is behind, from the samples: None while unknown.
    fn lag(&mut self, replay: Lsn, head: Lsn, now: Instant) -> Option<f64> {
        self.heads.push_back((now, head));
        let keep = self.max_lag * 2 + self.interval * 2;
        while self.heads.front().is_some_and(|(t, _)| now.duration_since(*t) > keep) && self.heads.len() > 1 {
            self.heads.pop_front();
        }
        if replay >= head {
            return Some(0.0);
        }
        // The first sampled head past what the replica replayed: it has been behind since then.
        let first_ahead = self.heads.iter().position(|(_, h)| *h > replay)?;
        let (since, _) = self.heads[first_ahead];
        // The oldest sample already ahead: behind for at least that long, exactly unknown.
        if first_ahead == 0 && now.duration_since(since) < self.max_lag {
            return None;
        }
        Some(now.duration_since(since).as_secs_f64())
    }

    fn record(&mut self, look: Look) {
        let now = Instant::now();
        let usable = match look {
            Ok((replay, Some(head))) => {
                self.fails = 0;
                self.replica.state.saw_replayed(replay);
                let lag = self.lag(replay, head, now);
                let shown = lag
                    .unwrap_or_else(|| self.heads.front().map_or(0.0, |(t, _)| now.duration_since(*t).as_secs_f64()));
                self.metrics.db_replica_lag.set(shown);
                lag.is_some_and(|l| l <= self.max_lag.as_secs_f64())
            }
            // The primary did not answer: keep what we knew.
            Ok((replay, None)) => {
                self.replica.state.saw_replayed(replay);
                self.replica.state.usable()
            }
            Err(()) => {
                self.fails += 1;
                self.replica.state.usable() && self.fails < FAILS_TO_DOWN
            }
        };
        let before = self.replica.state.usable.swap(usable, Ordering::AcqRel);
        self.metrics.dependency_up.with_label_values(&["replica"]).set(i64::from(usable));
        self.deps.set(Dependency::Replica, if usable { DepState::Ok } else { DepState::Down });
        if before != usable {
            match (usable, self.fails) {
                (true, _) => tracing::info!("replica in use for reads"),
                (false, 0) => {
                    tracing::warn!("replica lags too far (or its lag is not known yet); reads go to the primary")
                }
                (false, _) => tracing::warn!("replica unreachable; reads go to the primary"),
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
