//! The search change log (`search_changes`, written by triggers) read in transaction-id order.
//!
//! Row ids are not commit order: a transaction that commits late can hold a lower id than rows
//! already read. Every transaction whose id is below the oldest running one (the snapshot's
//! `xmin`) has finished, so a tail reads the rows of transactions in `[done_below, horizon)`,
//! `horizon` taken from a snapshot, and only then moves `done_below` to `horizon`: a late commit
//! is never skipped, no writer waits on a lock for it, and a row is read once per round (applying
//! a change twice, after a restart mid-round, rewrites the same document).

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Listing,
    Track,
    User,
    Room,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Listing, Kind::Track, Kind::User, Kind::Room];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Listing => "listing",
            Kind::Track => "track",
            Kind::User => "user",
            Kind::Room => "room",
        }
    }

    /// The plural: its table, and its name in search results and counts.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Listing => "listings",
            Kind::Track => "tracks",
            Kind::User => "users",
            Kind::Room => "rooms",
        }
    }

    /// Its place in `ALL`.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "listing" => Kind::Listing,
            "track" => Kind::Track,
            "user" => Kind::User,
            "room" => Kind::Room,
            _ => return None,
        })
    }
}

/// One row of the log: `entity` of `kind` changed (or went) in transaction `xid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub xid: i64,
    pub kind: Kind,
    pub entity: Uuid,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    xid: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SqlUuid)]
    entity_id: Uuid,
}

#[derive(QueryableByName)]
struct Horizon {
    #[diesel(sql_type = BigInt)]
    xmin: i64,
}

/// Where a tail stands. Persist `done_below()` with the index: everything below it is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    done_below: i64,
    /// The round in progress: its horizon and the last row read.
    round: Option<(i64, (i64, i64))>,
}

impl Tail {
    /// A tail that has applied every change of transactions below `done_below`.
    pub fn from(done_below: i64) -> Tail {
        Tail { done_below, round: None }
    }

    pub fn done_below(&self) -> i64 {
        self.done_below
    }

    /// The next changes, at most `limit`, in (transaction, id) order; empty when caught up.
    pub async fn next(&mut self, conn: &mut AsyncPgConnection, limit: i64) -> diesel::QueryResult<Vec<Change>> {
        // Ids start at 1: (done_below, 0) comes before every row of the round.
        let (horizon, after) = match self.round {
            Some(round) => round,
            None => (horizon(conn).await?, (self.done_below, 0)),
        };
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT id, xid::text::bigint AS xid, kind, entity_id FROM search_changes \
             WHERE xid < $1::text::xid8 AND (xid, id) > ($2::text::xid8, $3) \
             ORDER BY xid, id LIMIT $4",
        )
        .bind::<Text, _>(horizon.to_string())
        .bind::<Text, _>(after.0.to_string())
        .bind::<BigInt, _>(after.1)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?;
        let full = rows.len() as i64 >= limit;
        let last = rows.last().map(|r| (r.xid, r.id));
        let changes = rows
            .into_iter()
            .filter_map(|r| Some(Change { id: r.id, xid: r.xid, kind: Kind::parse(&r.kind)?, entity: r.entity_id }));
        let changes: Vec<Change> = changes.collect();
        match (full, last) {
            (true, Some(last)) => self.round = Some((horizon, last)),
            _ => {
                self.done_below = horizon.max(self.done_below);
                self.round = None;
            }
        }
        Ok(changes)
    }
}

/// The oldest transaction still running (or the next to start): all below it have finished.
pub async fn horizon(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    let h: Horizon = diesel::sql_query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin")
        .get_result(conn)
        .await?;
    Ok(h.xmin)
}

#[derive(QueryableByName)]
struct Pruned {
    #[diesel(sql_type = BigInt)]
    deleted: i64,
}

/// Deletes changes older than `keep_secs` and raises `search_meta.pruned_below` past them: an
/// index whose watermark is below it has missed rows and is rebuilt. Returns the rows deleted.
pub async fn prune(conn: &mut AsyncPgConnection, keep_secs: i64) -> diesel::QueryResult<i64> {
    let p: Pruned = diesel::sql_query(
        "WITH cut AS (SELECT max(xid) AS x FROM search_changes \
                      WHERE created_at < now() - make_interval(secs => $1)), \
              gone AS (DELETE FROM search_changes WHERE xid <= (SELECT x FROM cut) RETURNING 1), \
              meta AS (UPDATE search_meta \
                       SET pruned_below = greatest(pruned_below, ((SELECT x FROM cut)::text::bigint + 1)::text::xid8) \
                       WHERE (SELECT x FROM cut) IS NOT NULL) \
         SELECT count(*) AS deleted FROM gone",
    )
    .bind::<BigInt, _>(keep_secs)
    .get_result(conn)
    .await?;
    Ok(p.deleted)
}
