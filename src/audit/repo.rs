//! The audit_log table: one insert per audited action (the chain's trigger links it), and the
//! chain read back for verification.

use super::AuditEntry;
use crate::db::schema::{audit_head, audit_log};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary};
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
