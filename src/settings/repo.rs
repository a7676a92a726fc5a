//! The settings table and its history: every change is one version (from the `settings_version`
//! sequence) with a history row per key it changed; changes are serialised by a transaction
//! advisory lock, so versions and history agree.

use super::SettingRow;
use crate::db::schema::{settings, settings_history};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// The advisory lock every change of settings takes (an arbitrary constant, "settings").
const CHANGE_LOCK: i64 = 0x5345_5454_494E_4753;

/// One key's change within a version.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: String,
    /// `None`: it was not set.
    pub from: Option<Value>,
    /// `None`: unset (a rollback to before it was set).
    pub to: Option<Value>,
}

/// One version: who changed what, when.
#[derive(Debug, Clone)]
pub struct Version {
    pub version: i64,
    pub changed_by: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
    pub rollback_of: Option<i64>,
    pub changes: Vec<Change>,
}

/// Every setting, by key.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<SettingRow>> {
    settings::table.order(settings::key).select(SettingRow::as_select()).load(conn).await
}

/// The newest version (`None`: nothing was ever set): the history's, or a row's written
/// around it (a node of an older version during a rolling deploy).
/// One statement: every node asks this every `node.settings_poll_ms`.
pub async fn newest_version(conn: &mut AsyncPgConnection) -> QueryResult<Option<i64>> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Nullable<BigInt>>(
        "GREATEST((SELECT max(version) FROM settings_history), (SELECT max(version) FROM settings))",
    ))
    .get_result(conn)
    .await
}

/// Applies `wanted` (key -> value, `None` unsets) as one new version by `by`; keys whose value
/// would not change are left out. `None` when nothing changes.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    wanted: &[(String, Option<Value>)],
    by: Option<Uuid>,
    rollback_of: Option<i64>,
) -> QueryResult<Option<Version>> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)").bind::<BigInt, _>(CHANGE_LOCK).execute(conn).await?;
        let current: HashMap<String, Value> = all(conn).await?.into_iter().map(|r| (r.key, r.value)).collect();
        let changes: Vec<Change> = wanted
            .iter()
            .filter(|(k, to)| current.get(k) != to.as_ref())
            .map(|(k, to)| Change { key: k.clone(), from: current.get(k).cloned(), to: to.clone() })
            .collect();
        if changes.is_empty() {
            return Ok(None);
        }
        let version: i64 =
            diesel::select(diesel::dsl::sql::<BigInt>("nextval('settings_version')")).get_result(conn).await?;
        let now = Utc::now();
        for c in &changes {
            match &c.to {
                Some(value) => upsert(conn, &c.key, value, version, by, now).await?,
                None => {
                    diesel::delete(settings::table.find(&c.key)).execute(conn).await?;
                }
            }
            diesel::insert_into(settings_history::table)
                .values((
                    settings_history::version.eq(version),
                    settings_history::key.eq(&c.key),
                    settings_history::old_value.eq(&c.from),
                    settings_history::new_value.eq(&c.to),
                    settings_history::changed_by.eq(by),
                    settings_history::changed_at.eq(now),
                    settings_history::rollback_of.eq(rollback_of),
                ))
                .execute(conn)
                .await?;
        }
        Ok(Some(Version { version, changed_by: by, changed_at: now, rollback_of, changes }))
    })
    .await
}

async fn upsert(
    conn: &mut AsyncPgConnection,
    key: &str,
    value: &Value,
    version: i64,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::version.eq(version),
            settings::updated_by.eq(by),
            settings::updated_at.eq(at),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set((
            settings::value.eq(value),
            settings::version.eq(version),
            settings::updated_by.eq(by),
            settings::updated_at.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

type HistoryRow = (i64, String, Option<Value>, Option<Value>, Option<Uuid>, DateTime<Utc>, Option<i64>);

/// Versions newest first, before `before` when given.
pub async fn history(conn: &mut AsyncPgConnection, before: Option<i64>, limit: i64) -> QueryResult<Vec<Version>> {
    let mut versions = settings_history::table.select(settings_history::version).distinct().into_boxed();
    if let Some(b) = before {
        versions = versions.filter(settings_history::version.lt(b));
    }
    let ids: Vec<i64> = versions.order(settings_history::version.desc()).limit(limit).load(conn).await?;
    let rows: Vec<HistoryRow> = settings_history::table
        .filter(settings_history::version.eq_any(&ids))
        .order((settings_history::version.desc(), settings_history::key))
        .select((
            settings_history::version,
            settings_history::key,
            settings_history::old_value,
            settings_history::new_value,
            settings_history::changed_by,
            settings_history::changed_at,
            settings_history::rollback_of,
        ))
        .load(conn)
        .await?;
    let mut out: Vec<Version> = Vec::with_capacity(ids.len());
    for (version, key, from, to, by, at, rollback_of) in rows {
        if out.last().is_none_or(|v| v.version != version) {
            out.push(Version { version, changed_by: by, changed_at: at, rollback_of, changes: Vec::new() });
        }
        if let Some(v) = out.last_mut() {
            v.changes.push(Change { key, from, to });
        }
    }
    Ok(out)
}

/// Every key's value as it stood once `version` was applied (`None` for a key not set then);
/// `None` when there is no such version.
pub async fn state_at(
    conn: &mut AsyncPgConnection,
    version: i64,
) -> QueryResult<Option<HashMap<String, Option<Value>>>> {
    let exists: bool =
        diesel::select(diesel::dsl::exists(settings_history::table.filter(settings_history::version.eq(version))))
            .get_result(conn)
            .await?;
    if !exists {
        return Ok(None);
    }
    let rows: Vec<(String, i64, Option<Value>)> = settings_history::table
        .filter(settings_history::version.le(version))
        .order((settings_history::key, settings_history::version.desc()))
        .select((settings_history::key, settings_history::version, settings_history::new_value))
        .load(conn)
        .await?;
    let mut state = HashMap::new();
    for (key, _, value) in rows {
        state.entry(key).or_insert(value);
    }
    // Keys set only after `version` were not set then.
    let later: Vec<String> = settings_history::table
        .filter(settings_history::version.gt(version))
        .select(settings_history::key)
        .distinct()
        .load(conn)
        .await?;
    for key in later {
        state.entry(key).or_insert(None);
    }
    Ok(Some(state))
}
