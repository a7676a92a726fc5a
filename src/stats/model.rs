//! What `GET /admin/stats` answers: the rollup's counts, as one node last computed them, and
//! every node's last heartbeat.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The answer: the counts (at most `stats.rollup_ms` old while a node runs) and the nodes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdminStats {
    /// When the counts were computed.
    pub computed_at: DateTime<Utc>,
    /// Which node computed them.
    pub computed_by: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Every node that beat in the last day, unreachable and stopped ones included.
    pub nodes: Vec<NodeStatus>,
}

/// Counts recomputed by one node every `stats.rollup_ms`, stored as they are answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    /// Accounts of every status.
    pub users: i64,
    /// `active`, `suspended`, `banned`, `deleted`: accounts per status.
    pub users_by_status: BTreeMap<String, i64>,
    /// Users with an authenticated request or an open WebSocket in the last 24 hours.
    pub active_users_24h: i64,
    pub active_users: ActiveUsers,
    /// Messages sent in the current hour and the 23 before it.
    pub messages_24h: i64,
    /// The last 48 hours, oldest first; the last entry is the current hour so far.
    pub messages_per_hour: Vec<HourCount>,
    pub listings_by_status: BTreeMap<String, i64>,
    pub offers_by_status: BTreeMap<String, i64>,
    pub offer_conversion: OfferConversion,
    /// Tracks, hidden ones included.
    pub tracks: i64,
    pub plays: Plays,
    pub searches: Searches,
}

/// Distinct users active in each window (to `stats.activity_granularity_secs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActiveUsers {
    /// The last 24 hours.
    pub d1: i64,
    /// The last 7 days.
    pub d7: i64,
    /// The last 30 days.
    pub d30: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HourCount {
    /// The hour's start (UTC).
    pub hour: DateTime<Utc>,
    pub count: i64,
}

/// Offers created in the window, and how many of those completed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OfferConversion {
    pub window_days: i64,
    pub created: i64,
    pub completed: i64,
    /// `completed / created`; 0 when none was created.
    pub rate: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Plays {
    /// Counted plays of every track.
    pub total: i64,
    /// Plays started in the current hour and the 23 before it.
    pub last_24h: i64,
}

/// Searches in the last 24 hours (a query counts once per searcher and minute).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Searches {
    pub last_24h: i64,
    /// Those that found nothing.
    pub zero_results_24h: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NodeStatus {
    pub node: String,
    pub version: String,
    pub status: NodeState,
    pub started_at: DateTime<Utc>,
    /// While up.
    pub uptime_secs: Option<i64>,
    pub last_beat_at: DateTime<Utc>,
    /// At the last beat: WebSocket connections, users behind them, live rooms, chat frames
    /// handed to connections per second.
    pub connections: i64,
    pub online_users: i64,
    pub rooms: i64,
    pub deliveries_per_sec: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    /// Beat within `stats.unreachable_after_ms`.
    Up,
    /// Stopped beating without saying goodbye (crashed, cut off, hung).
    Unreachable,
    /// Drained and stopped.
    Stopped,
}

impl NodeState {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "up" => Some(NodeState::Up),
            "unreachable" => Some(NodeState::Unreachable),
            "stopped" => Some(NodeState::Stopped),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Up => "up",
            NodeState::Unreachable => "unreachable",
            NodeState::Stopped => "stopped",
        }
    }
}
