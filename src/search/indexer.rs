//! `Indexer`: the node's one index writer, an actor on a thread of its own (tantivy commits
//! block). Every `search.commit_ms` it applies what the change log holds; at start it opens the
//! index, or builds it when it is missing, from another database or too old. Messages are
//! handled one at a time (`AtomicResponse`): a refresh never interleaves with a batch.

use super::changes;
use super::feed::{Feed, FeedError};
use super::handle::{IndexState, Refresh, SearchHandle};
use super::index::{Opened, SearchStore};
use crate::db::{DbPool, checkout};
use actix::prelude::*;
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

pub struct Indexer {
    pool: DbPool,
    handle: SearchHandle,
    dir: PathBuf,
    budget: usize,
    every: Duration,
    keep: Duration,
    last_prune: Option<std::time::Instant>,
    feed: Option<Feed>,
}

/// How often a node prunes the change log.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

impl Indexer {
    pub fn new(
        pool: DbPool,
        handle: SearchHandle,
        dir: PathBuf,
        budget: usize,
        every: Duration,
        keep: Duration,
    ) -> Indexer {
        Indexer { pool, handle, dir, budget, every, keep, last_prune: None, feed: None }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Tick;

impl Actor for Indexer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.notify(Tick);
        ctx.run_interval(self.every, |_, ctx| ctx.notify(Tick));
    }
}

impl Supervised for Indexer {}

#[derive(QueryableByName)]
pub struct Meta {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub database_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub pruned_below: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub rebuild_requested: i64,
}

/// The one `search_meta` row.
pub async fn meta(conn: &mut AsyncPgConnection) -> Result<Meta, FeedError> {
    Ok(diesel::sql_query(
        "SELECT database_id, pruned_below::text::bigint AS pruned_below, rebuild_requested FROM search_meta",
    )
    .get_result(conn)
    .await?)
}

/// Asks every node to rebuild its index from PostgreSQL (`veza search reindex`); each does on
/// its next tick, serving the index it has until the rebuild commits. Returns the request.
pub async fn request_rebuild(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Request {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rebuild_requested: i64,
    }
    let r: Request = diesel::sql_query(
        "UPDATE search_meta SET rebuild_requested = rebuild_requested + 1 RETURNING rebuild_requested",
    )
    .get_result(conn)
    .await?;
    Ok(r.rebuild_requested)
}

/// Opens or builds the index; `None` (and the state `down`) when its directory cannot be had.
async fn open(pool: &DbPool, handle: &SearchHandle, dir: PathBuf, budget: usize) -> Result<Option<Feed>, FeedError> {
    let mut conn = checkout(pool).await.map_err(|e| FeedError::Pool(e.to_string()))?;
    let meta = meta(&mut conn).await?;
    let opened = SearchStore::open(&dir, meta.database_id)
        .and_then(|(store, opened)| Ok((store.writer(budget)?, store, opened)));
    let (writer, store, opened) = match opened {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, dir = %dir.display(), "search index unavailable; PostgreSQL answers searches");
            handle.set_state(IndexState::Down);
            return Ok(None);
        }
    };
    let current = match opened {
        Opened::Current(mark) if mark.done_below >= meta.pruned_below => Some(mark),
        _ => None,
    };
    let mut feed = Feed::new(store.clone(), writer, meta.database_id, current.unwrap_or_default(), handle.views());
    match current {
        Some(mark) if mark.rebuilt_for >= meta.rebuild_requested => {
            tracing::info!(documents = store.len(), done_below = mark.done_below, "search index opened");
        }
        _ => rebuild(&mut feed, &mut conn, meta.rebuild_requested, "search index built").await?,
    }
    handle.set_store(store);
    Ok(Some(feed))
}

impl Handler<Tick> for Indexer {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _: Tick, _: &mut Context<Self>) -> Self::Result {
        let (pool, handle, dir, budget) = (self.pool.clone(), self.handle.clone(), self.dir.clone(), self.budget);
        let feed = self.feed.take();
        let opening = feed.is_none() && handle.state() != IndexState::Down;
        let prune = self.last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY);
        if prune {
            self.last_prune = Some(std::time::Instant::now());
        }
        let keep = i64::try_from(self.keep.as_secs()).unwrap_or(i64::MAX);
        AtomicResponse::new(Box::pin(
            async move {
                let mut feed = match feed {
                    Some(f) => Some(f),
                    None if opening => match open(&pool, &handle, dir, budget).await {
                        Ok(f) => f,
                        Err(e) => {
                            tracing::warn!(error = %e, "search index: opening failed; retrying");
                            None
                        }
                    },
                    None => None,
                };
                if let Some(f) = feed.as_mut() {
                    match checkout(&pool).await {
                        Ok(mut conn) => {
                            if let Err(e) = step(f, &mut conn, prune.then_some(keep)).await {
                                tracing::warn!(error = %e, "search index: applying the change log failed; retrying");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "search index: no database connection"),
                    }
                    handle.set_state(IndexState::Ready);
                }
                feed
            }
            .into_actor(self)
            .map(|feed, act, _| act.feed = feed),
        ))
    }
}

/// A full build, timed and logged.
async fn rebuild(f: &mut Feed, conn: &mut AsyncPgConnection, request: i64, what: &str) -> Result<(), FeedError> {
    let started = std::time::Instant::now();
    let documents = f.rebuild_for(conn, request).await?;
    tracing::info!(documents, elapsed_ms = started.elapsed().as_millis() as u64, "{what}");
    // The build's dozen segments become one in the background; searches see it once it is
    // done (the tail goes on meanwhile).
    let Some(merging) = f.merge_all()? else { return Ok(()) };
    let store = f.store.clone();
    let waiter = std::thread::Builder::new().name("search-merge".into()).spawn(move || match merging.wait() {
        Ok(_) => {
            if let Err(e) = store.reload() {
                tracing::warn!(error = %e, "search index: reload after merge");
            }
        }
        Err(e) => tracing::warn!(error = %e, "search index: merge after build"),
    });
    if let Err(e) = waiter {
        tracing::warn!(error = %e, "search index: no thread to wait for the merge");
    }
    Ok(())
}

/// One tick: prune the log when due, rebuild if the log was pruned past this index or a
/// reindex was asked for, apply the log.
async fn step(f: &mut Feed, conn: &mut AsyncPgConnection, prune: Option<i64>) -> Result<(), FeedError> {
    if let Some(keep) = prune {
        let deleted = changes::prune(conn, keep).await?;
        if deleted > 0 {
            tracing::info!(deleted, "search change log pruned");
        }
    }
    let meta = meta(conn).await?;
    if f.done_below() < meta.pruned_below {
        tracing::warn!(
            done_below = f.done_below(),
            pruned_below = meta.pruned_below,
            "search index fell behind the pruned log; rebuilding"
        );
        rebuild(f, conn, meta.rebuild_requested, "search index rebuilt").await?;
    } else if f.rebuilt_for() < meta.rebuild_requested {
        rebuild(f, conn, meta.rebuild_requested, "search index rebuilt on request").await?;
    }
    f.catch_up(conn).await?;
    Ok(())
}

impl Handler<Refresh> for Indexer {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, m: Refresh, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        let feed = self.feed.take();
        AtomicResponse::new(Box::pin(
            async move {
                let mut feed = feed;
                if let Some(f) = feed.as_mut()
                    && let Ok(mut conn) = checkout(&pool).await
                    && let Err(e) = f.refresh(&mut conn, &m.0).await
                {
                    tracing::warn!(error = %e, "search index: refreshing a write failed; the log brings it");
                }
                feed
            }
            .into_actor(self)
            .map(|feed, act, _| act.feed = feed),
        ))
    }
}
