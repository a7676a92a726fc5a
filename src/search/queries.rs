//! Searches counted for popular queries and zero-result reports, off the request path: a search
//! drops its normalised query into a bounded channel (a full channel drops it and counts the
//! drop; a search never waits on it) and the `QueryRecorder` actor writes them in batches,
//! folded per query, searcher and minute.

use super::queries_repo::{self, Searched};
use crate::db::DbPool;
use actix::prelude::*;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use prometheus::IntCounter;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The most folded rows one flush writes; the rest wait for the next.
const FLUSH_MAX: usize = 2000;
/// Counts are kept a day past the longest window.
const KEEP: TimeDelta = TimeDelta::days(8);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The sending side, cheap to clone.
#[derive(Clone)]
pub struct QueryLog {
    tx: mpsc::Sender<Searched>,
    dropped: IntCounter,
}

/// The receiving side, kept across recorder restarts.
pub type QueryLogRx = Arc<tokio::sync::Mutex<mpsc::Receiver<Searched>>>;

impl QueryLog {
    pub fn channel(capacity: usize, dropped: IntCounter) -> (QueryLog, QueryLogRx) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (QueryLog { tx, dropped }, Arc::new(tokio::sync::Mutex::new(rx)))
    }

    /// Counts a search of `query` by `searcher`; never waits.
    pub fn record(&self, query: String, searcher: String, zero_results: bool) {
        let minute = minute(Utc::now());
        if self.tx.try_send(Searched { query, searcher, minute, searches: 1, zero_results }).is_err() {
            self.dropped.inc();
        }
    }
}

fn minute(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at)
}

/// One row per (query, searcher, minute), searches summed, the latest outcome kept.
fn fold(batch: Vec<Searched>) -> Vec<Searched> {
    let mut rows: HashMap<(String, String, DateTime<Utc>), Searched> = HashMap::new();
    for s in batch {
        match rows.get_mut(&(s.query.clone(), s.searcher.clone(), s.minute)) {
            Some(row) => {
                row.searches += s.searches;
                row.zero_results = s.zero_results;
            }
            None => {
                rows.insert((s.query.clone(), s.searcher.clone(), s.minute), s);
            }
        }
    }
    rows.into_values().collect()
}

/// Writes what the channel holds every `every`, and prunes old counts hourly.
pub struct QueryRecorder {
    pool: DbPool,
    rx: QueryLogRx,
    every: Duration,
    pruned_at: Option<Instant>,
}

impl QueryRecorder {
    pub fn new(pool: DbPool, rx: QueryLogRx, every: Duration) -> QueryRecorder {
        QueryRecorder { pool, rx, every, pruned_at: None }
    }

    async fn flush(pool: DbPool, rx: QueryLogRx, prune: bool) {
        let mut batch = Vec::new();
        {
            let mut rx = rx.lock().await;
            while batch.len() < FLUSH_MAX
                && let Ok(s) = rx.try_recv()
            {
                batch.push(s);
            }
        }
        if batch.is_empty() && !prune {
            return;
        }
        let Ok(mut conn) = pool.get().await else {
            tracing::warn!(dropped = batch.len(), "search query counts: no database connection");
            return;
        };
        if !batch.is_empty()
            && let Err(e) = queries_repo::insert(&mut conn, fold(batch)).await
        {
            tracing::warn!(error = %e, "search query counts not written");
        }
        if prune && let Err(e) = queries_repo::prune(&mut conn, Utc::now() - KEEP).await {
            tracing::warn!(error = %e, "search query counts not pruned");
        }
    }
}

impl Actor for QueryRecorder {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.every, |act, ctx| {
            let prune = act.pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY);
            if prune {
                act.pruned_at = Some(Instant::now());
            }
            // One flush at a time: the next tick waits for this one.
            ctx.wait(QueryRecorder::flush(act.pool.clone(), act.rx.clone(), prune).into_actor(act));
        });
    }
}

impl actix::Supervised for QueryRecorder {}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(q: &str, who: &str, zero: bool) -> Searched {
        Searched { query: q.into(), searcher: who.into(), minute: minute(Utc::now()), searches: 1, zero_results: zero }
    }

    #[test]
    fn a_batch_folds_per_query_searcher_and_minute() {
        let mut rows =
            fold(vec![s("moog", "a", true), s("moog", "a", false), s("moog", "b", false), s("juno", "a", true)]);
        rows.sort_by(|x, y| (&x.query, &x.searcher).cmp(&(&y.query, &y.searcher)));
        let summary: Vec<(&str, &str, i32, bool)> =
            rows.iter().map(|r| (r.query.as_str(), r.searcher.as_str(), r.searches, r.zero_results)).collect();
        assert_eq!(summary, [("juno", "a", 1, true), ("moog", "a", 2, false), ("moog", "b", 1, false)]);
    }

    #[test]
    fn a_full_channel_drops_and_counts() {
        let dropped = IntCounter::new("dropped", "test").unwrap_or_else(|e| panic!("{e}"));
        let (log, _rx) = QueryLog::channel(2, dropped.clone());
        for _ in 0..5 {
            log.record("moog".into(), "a".into(), false);
        }
        assert_eq!(dropped.get(), 3);
    }
}
