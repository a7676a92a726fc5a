//! `NodeHeartbeat`: every `stats.heartbeat_ms` a node writes what it carries (connections, the
//! users behind them, live rooms, deliveries per second) into `node_heartbeats`, and what
//! `ActiveUsers` saw into `user_activity`. Users with an open WebSocket count as seen at every
//! beat, so a connection held for days keeps its user active without a request.

use super::active_users::{self, ActiveUsers};
use super::nodes::{self, Beat};
use crate::db::DbPool;
use actix::prelude::*;
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};
use veza_actors::presence::{OnlineUsers, Presence};
use veza_actors::stats::ChatStats;

/// What the node is, for the registry.
#[derive(Debug, Clone)]
pub struct NodeIdentity {
    pub node: String,
    pub version: &'static str,
    pub started_at: DateTime<Utc>,
}

/// What a node reads its numbers from.
#[derive(Clone)]
pub struct Sources {
    pub stats: ChatStats,
    pub presence: Addr<Presence>,
    pub active: ActiveUsers,
}

pub struct NodeHeartbeat {
    pool: DbPool,
    me: NodeIdentity,
    sources: Sources,
    every: Duration,
    /// The deliveries counter at the last beat, for the rate.
    last: Option<(Instant, u64)>,
}

impl NodeHeartbeat {
    pub fn new(pool: DbPool, me: NodeIdentity, sources: Sources, every: Duration) -> NodeHeartbeat {
        NodeHeartbeat { pool, me, sources, every, last: None }
    }

    /// Deliveries per second since the last beat (0 at the first).
    fn rate(&mut self) -> f64 {
        let now = (Instant::now(), self.sources.stats.deliveries.get());
        let rate = match self.last {
            Some((at, n)) => {
                let secs = now.0.duration_since(at).as_secs_f64();
                if secs > 0.0 { now.1.saturating_sub(n) as f64 / secs } else { 0.0 }
            }
            None => 0.0,
        };
        self.last = Some(now);
        rate
    }
}

impl Actor for NodeHeartbeat {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.every, |act, ctx| {
            let rate = act.rate();
            let (pool, me, sources) = (act.pool.clone(), act.me.clone(), act.sources.clone());
            // One beat at a time: the next tick waits for this one.
            ctx.wait(async move { beat(&pool, &me, &sources, rate).await }.into_actor(act));
        });
    }
}

impl Supervised for NodeHeartbeat {}

async fn beat(pool: &DbPool, me: &NodeIdentity, sources: &Sources, deliveries_per_sec: f64) {
    let online = sources.presence.send(OnlineUsers).await.unwrap_or_default();
    for user in &online {
        sources.active.seen(*user);
    }
    let b = Beat {
        node: &me.node,
        version: me.version,
        started_at: me.started_at,
        connections: sources.stats.connections.get(),
        online_users: i64::try_from(online.len()).unwrap_or(i64::MAX),
        rooms: sources.stats.rooms_live.get(),
        deliveries_per_sec,
    };
    let written = match pool.get().await {
        Ok(mut conn) => nodes::beat(&mut conn, &b).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = written {
        tracing::warn!(error = %e, "node heartbeat not written");
    }
    active_users::flush(&sources.active, pool).await;
}

/// A draining node's last words: what it saw, and that it stopped (not unreachable).
pub async fn farewell(pool: &DbPool, node: &str, active: &ActiveUsers) {
    active_users::flush(active, pool).await;
    let said = match pool.get().await {
        Ok(mut conn) => nodes::stopped(&mut conn, node).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = said {
        tracing::warn!(error = %e, "could not mark the node stopped; it will show as unreachable");
    }
}
