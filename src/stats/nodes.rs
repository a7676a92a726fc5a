//! The node heartbeat registry (`node_heartbeats`): each node writes its row every
//! `stats.heartbeat_ms`; the reader says which are up, which stopped answering (no beat within
//! `stats.unreachable_after_ms`) and which were drained. Times are the database's, so nodes'
//! clocks do not matter.

use super::model::{NodeState, NodeStatus};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

/// One beat of one node.
#[derive(Debug, Clone)]
pub struct Beat<'a> {
    pub node: &'a str,
    pub version: &'a str,
    pub started_at: DateTime<Utc>,
    pub connections: i64,
    pub online_users: i64,
    pub rooms: i64,
    pub deliveries_per_sec: f64,
}

pub async fn beat(conn: &mut AsyncPgConnection, b: &Beat<'_>) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO node_heartbeats \
           (node_id, version, started_at, beat_at, stopped_at, connections, online_users, rooms, deliveries_per_sec) \
         VALUES ($1, $2, $3, now(), NULL, $4, $5, $6, $7) \
         ON CONFLICT (node_id) DO UPDATE SET version = excluded.version, started_at = excluded.started_at, \
           beat_at = now(), connections = excluded.connections, \
           stopped_at = CASE WHEN node_heartbeats.started_at = excluded.started_at \
             THEN node_heartbeats.stopped_at END, \
           online_users = excluded.online_users, rooms = excluded.rooms, \
           deliveries_per_sec = excluded.deliveries_per_sec",
    )
    .bind::<Text, _>(b.node)
    .bind::<Text, _>(b.version)
    .bind::<Timestamptz, _>(b.started_at)
    .bind::<BigInt, _>(b.connections.max(0))
    .bind::<BigInt, _>(b.online_users.max(0))
    .bind::<BigInt, _>(b.rooms.max(0))
    .bind::<Double, _>(if b.deliveries_per_sec.is_finite() { b.deliveries_per_sec.max(0.0) } else { 0.0 })
    .execute(conn)
    .await
    .map(|_| ())
}

/// A drained node's goodbye: listed as stopped, not unreachable (its last beats keep the mark;
/// a new process under the same id clears it).
pub async fn stopped(conn: &mut AsyncPgConnection, node: &str) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE node_heartbeats SET stopped_at = now(), connections = 0, online_users = 0, rooms = 0, \
         deliveries_per_sec = 0 WHERE node_id = $1",
    )
    .bind::<Text, _>(node)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Rows whose node last beat more than a day ago.
pub async fn forget_old(conn: &mut AsyncPgConnection) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM node_heartbeats WHERE beat_at < now() - interval '1 day'").execute(conn).await
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    node_id: String,
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Timestamptz)]
    started_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<BigInt>)]
    uptime_secs: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    beat_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    connections: i64,
    #[diesel(sql_type = BigInt)]
    online_users: i64,
    #[diesel(sql_type = BigInt)]
    rooms: i64,
    #[diesel(sql_type = Double)]
    deliveries_per_sec: f64,
}

/// Every node that beat in the last day, by id.
pub async fn list(conn: &mut AsyncPgConnection, unreachable_after: Duration) -> diesel::QueryResult<Vec<NodeStatus>> {
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT node_id, version, started_at, beat_at, connections, online_users, rooms, deliveries_per_sec, s.status, \
           CASE WHEN s.status = 'up' THEN extract(epoch FROM now() - started_at)::bigint END AS uptime_secs \
         FROM node_heartbeats, LATERAL (SELECT CASE \
           WHEN stopped_at IS NOT NULL THEN 'stopped' \
           WHEN beat_at >= now() - make_interval(secs => $1) THEN 'up' \
           ELSE 'unreachable' END AS status) s \
         WHERE beat_at >= now() - interval '1 day' ORDER BY node_id",
    )
    .bind::<Double, _>(unreachable_after.as_secs_f64())
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| NodeStatus {
            status: NodeState::parse(&r.status).unwrap_or(NodeState::Unreachable),
            node: r.node_id,
            version: r.version,
            started_at: r.started_at,
            uptime_secs: r.uptime_secs.map(|s| s.max(0)),
            last_beat_at: r.beat_at,
            connections: r.connections,
            online_users: r.online_users,
            rooms: r.rooms,
            deliveries_per_sec: r.deliveries_per_sec,
        })
        .collect())
}
