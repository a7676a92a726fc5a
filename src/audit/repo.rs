//! The audit_log table: one insert per audited action (the chain's trigger links it), and the
//! chain read back for verification.

use super::AuditEntry;
use super::model::{ActionFilter, AuditFilter, AuditRecord, Direction};
use crate::db::schema::{audit_anchors, audit_head, audit_log};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn record(conn: &mut AsyncPgConnection, entry: AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table).values(&entry).execute(conn).await.map(|_| ())
}

/// A row's place in the chain, and the hash PostgreSQL computes for its content now.
#[derive(QueryableByName)]
pub struct Link {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub chain_seq: i64,
    #[diesel(sql_type = Binary)]
    pub prev_hash: Vec<u8>,
    #[diesel(sql_type = Binary)]
    pub hash: Vec<u8>,
    #[diesel(sql_type = Binary)]
    pub expected: Vec<u8>,
}

/// Up to `limit` rows after `after`, in chain order.
pub async fn links_after(conn: &mut AsyncPgConnection, after: i64, limit: i64) -> QueryResult<Vec<Link>> {
    diesel::sql_query(
        "SELECT id, chain_seq, prev_hash, hash, audit_row_hash(a) AS expected FROM audit_log a \
         WHERE chain_seq > $1 ORDER BY chain_seq LIMIT $2",
    )
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// The chain's head: the last row's sequence number and hash.
pub async fn head(conn: &mut AsyncPgConnection) -> QueryResult<Option<(i64, Vec<u8>)>> {
    audit_head::table.select((audit_head::seq, audit_head::hash)).first(conn).await.optional()
}

/// The highest sequence number any anchor vouches for.
pub async fn last_anchored(conn: &mut AsyncPgConnection) -> QueryResult<Option<i64>> {
    audit_anchors::table.select(diesel::dsl::max(audit_anchors::seq)).first(conn).await
}

pub async fn insert_anchor(
    conn: &mut AsyncPgConnection,
    seq: i64,
    hash: &[u8],
    node: &str,
    token: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_anchors::table)
        .values((
            audit_anchors::seq.eq(seq),
            audit_anchors::hash.eq(hash),
            audit_anchors::node.eq(node),
            audit_anchors::token.eq(token),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// An anchor as stored, and the hash of the row it names (if that row exists).
#[derive(QueryableByName)]
pub struct Anchor {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Binary)]
    pub hash: Vec<u8>,
    #[diesel(sql_type = Text)]
    pub token: String,
    #[diesel(sql_type = Nullable<Binary>)]
    pub row_hash: Option<Vec<u8>>,
}

/// Up to `limit` anchors after id `after`, in id order.
pub async fn anchors_after(conn: &mut AsyncPgConnection, after: i64, limit: i64) -> QueryResult<Vec<Anchor>> {
    diesel::sql_query(
        "SELECT a.id, a.seq, a.hash, a.token, l.hash AS row_hash FROM audit_anchors a \
         LEFT JOIN audit_log l ON l.chain_seq = a.seq WHERE a.id > $1 ORDER BY a.id LIMIT $2",
    )
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// The hash of row `seq`, if there is one.
pub async fn hash_at(conn: &mut AsyncPgConnection, seq: i64) -> QueryResult<Option<Vec<u8>>> {
    audit_log::table.filter(audit_log::chain_seq.eq(seq)).select(audit_log::hash).first(conn).await.optional()
}

/// Up to `limit` records matching `filter`, in `direction`.
pub async fn page(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    direction: Direction,
    limit: i64,
) -> QueryResult<Vec<AuditRecord>> {
    let mut q = audit_log::table.select(AuditRecord::as_select()).into_boxed();
    if let Some(actor) = filter.actor {
        q = q.filter(audit_log::actor_id.eq(actor));
    }
    match &filter.action {
        Some(ActionFilter::Exactly(a)) => q = q.filter(audit_log::action.eq(a.clone())),
        // Actions are `[a-z_.]` (checked before): no LIKE wildcard to escape.
        Some(ActionFilter::Under(prefix)) => q = q.filter(audit_log::action.like(format!("{prefix}%"))),
        None => {}
    }
    if let Some((kind, id)) = &filter.target {
        q = q.filter(audit_log::target_id.eq(id.clone()));
        if let Some(kind) = kind {
            q = q.filter(audit_log::target_type.eq(kind.clone()));
        }
    }
    if let Some(since) = filter.since {
        q = q.filter(audit_log::created_at.ge(since));
    }
    q = match direction {
        Direction::NewestBefore(Some(before)) => {
            q.filter(audit_log::chain_seq.lt(before)).order(audit_log::chain_seq.desc())
        }
        Direction::NewestBefore(None) => q.order(audit_log::chain_seq.desc()),
        Direction::OldestAfter(after) => q.filter(audit_log::chain_seq.gt(after)).order(audit_log::chain_seq.asc()),
    };
    q.limit(limit).load(conn).await
}
