//! The audit_log table: one insert per audited action.

use super::AuditEntry;
use crate::db::schema::audit_log;
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn record(conn: &mut AsyncPgConnection, entry: AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table).values(&entry).execute(conn).await.map(|_| ())
}
