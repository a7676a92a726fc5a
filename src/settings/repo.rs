//! The settings table: every row, the newest version, and the versioned upsert.

use super::SettingRow;
use crate::db::schema::settings;
use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

/// Every setting, by key.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<SettingRow>> {
    settings::table.order(settings::key).select(SettingRow::as_select()).load(conn).await
}

/// The highest version stored (`None`: no setting yet).
pub async fn newest_version(conn: &mut AsyncPgConnection) -> QueryResult<Option<i64>> {
    settings::table.select(diesel::dsl::max(settings::version)).first(conn).await
}

/// Stores `value` under `key` with the next version of the `settings_version` sequence.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    key: &str,
    value: &Value,
    by: Option<Uuid>,
) -> QueryResult<SettingRow> {
    let next_version = || diesel::dsl::sql::<BigInt>("nextval('settings_version')");
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::version.eq(next_version()),
            settings::updated_by.eq(by),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set((
            settings::value.eq(value),
            settings::version.eq(next_version()),
            settings::updated_by.eq(by),
            settings::updated_at.eq(Utc::now()),
        ))
        .returning(SettingRow::as_returning())
        .get_result(conn)
        .await
}
