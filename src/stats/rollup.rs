//! The rollup: every node ticks every `stats.rollup_ms`; the one that takes the advisory lock
//! and finds the stored counts older than most of an interval recomputes them (`repo::counts`)
//! and stores them in `stats_rollup`, so the cluster computes them once per interval whatever
//! its size. `GET /admin/stats` reads that row and the heartbeats: two small reads.

use super::model::{AdminStats, Counts};
use super::{nodes, repo};
use crate::config::StatsConfig;
use crate::db::DbPool;
use actix::prelude::*;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Bool, Double, Integer, Jsonb, Text, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::{Duration, Instant};

/// The advisory lock of the rollup (an arbitrary constant, "statsrol").
const ROLLUP_LOCK: i64 = 0x7374_6174_7372_6F6C;

/// Timings of the rollup (`stats.*`).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub every: Duration,
    pub count_lag: Duration,
}

impl Timing {
    pub fn of(c: &StatsConfig) -> Timing {
        Timing { every: Duration::from_millis(c.rollup_ms), count_lag: Duration::from_millis(c.count_lag_ms) }
    }
}

/// Why a rollup is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// The periodic tick: skipped when another node holds the lock or computed recently.
    Tick,
    /// A reader found nothing stored: waits for the lock, computes unless someone just did.
    Missing,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Timestamptz)]
    computed_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    computed_by: String,
    #[diesel(sql_type = Jsonb)]
    body: serde_json::Value,
}

#[derive(QueryableByName)]
struct Fresh {
    #[diesel(sql_type = Bool)]
    fresh: bool,
}

/// Recomputes the counts if it falls to this node; `true` when it did.
pub async fn run(conn: &mut AsyncPgConnection, node: &str, t: Timing, occasion: Occasion) -> diesel::QueryResult<bool> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        match occasion {
            Occasion::Tick => {
                let l: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                    .bind::<BigInt, _>(ROLLUP_LOCK)
                    .get_result(conn)
                    .await?;
                if !l.locked {
                    return Ok(false);
                }
            }
            Occasion::Missing => {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1)").bind::<BigInt, _>(ROLLUP_LOCK).execute(conn).await?;
            }
        }
        // Fresh: computed within 80% of an interval (a tick), or at all (a reader who waited).
        let within = match occasion {
            Occasion::Tick => t.every.as_secs_f64() * 0.8,
            Occasion::Missing => 1e9,
        };
        let fresh: Option<Fresh> = diesel::sql_query(
            "SELECT computed_at > now() - make_interval(secs => $1) AS fresh FROM stats_rollup",
        )
        .bind::<Double, _>(within)
        .get_result(conn)
        .await
        .optional()?;
        if fresh.is_some_and(|f| f.fresh) {
            return Ok(false);
        }
        let started = Instant::now();
        let counts = repo::counts(conn, t.count_lag).await?;
        let body = serde_json::to_value(&counts).map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
        let took_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        diesel::sql_query(
            "INSERT INTO stats_rollup (only_row, computed_at, computed_by, took_ms, body) VALUES (true, now(), $1, $2, $3) \
             ON CONFLICT (only_row) DO UPDATE SET computed_at = now(), computed_by = excluded.computed_by, \
               took_ms = excluded.took_ms, body = excluded.body",
        )
        .bind::<Text, _>(node)
        .bind::<Integer, _>(took_ms)
        .bind::<Jsonb, _>(body)
        .execute(conn)
        .await?;
        nodes::forget_old(conn).await?;
        repo::forget_old_activity(conn).await?;
        tracing::debug!(took_ms, "stats rollup computed");
        Ok(true)
    })
    .await
}

/// What `GET /admin/stats` answers: the stored counts (computed first when there are none,
/// e.g. on a new cluster, or when they were stored by a version with another shape) and
/// the nodes.
pub async fn read(
    conn: &mut AsyncPgConnection,
    node: &str,
    t: Timing,
    unreachable_after: Duration,
) -> diesel::QueryResult<AdminStats> {
    let mut stored = stored_counts(conn).await?;
    if stored.is_none() {
        run(conn, node, t, Occasion::Missing).await?;
        stored = stored_counts(conn).await?;
    }
    let Some((computed_at, computed_by, counts)) = stored else {
        return Err(diesel::result::Error::NotFound);
    };
    Ok(AdminStats { computed_at, computed_by, counts, nodes: nodes::list(conn, unreachable_after).await? })
}

type StoredCounts = Option<(DateTime<Utc>, String, Counts)>;

/// The stored counts, `None` when there are none or they no longer read as `Counts`.
async fn stored_counts(conn: &mut AsyncPgConnection) -> diesel::QueryResult<StoredCounts> {
    let row: Option<Stored> = diesel::sql_query("SELECT computed_at, computed_by, body FROM stats_rollup")
        .get_result(conn)
        .await
        .optional()?;
    Ok(row.and_then(|r| {
        serde_json::from_value::<Counts>(r.body).ok().map(|counts| (r.computed_at, r.computed_by, counts))
    }))
}

/// Runs the rollup's tick on this node every `stats.rollup_ms`.
pub struct StatsRollup {
    pool: DbPool,
    node: String,
    timing: Timing,
}

impl StatsRollup {
    pub fn new(pool: DbPool, node: String, timing: Timing) -> StatsRollup {
        StatsRollup { pool, node, timing }
    }
}

impl Actor for StatsRollup {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.timing.every, |act, ctx| {
            let (pool, node, timing) = (act.pool.clone(), act.node.clone(), act.timing);
            // One rollup at a time: the next tick waits for this one.
            ctx.wait(
                async move {
                    let done = match pool.get().await {
                        Ok(mut conn) => run(&mut conn, &node, timing, Occasion::Tick).await.map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "stats rollup failed; the next tick tries again");
                    }
                }
                .into_actor(act),
            );
        });
    }
}

impl Supervised for StatsRollup {}
