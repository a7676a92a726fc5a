//! The rollup's counts, read straight from the features' tables. Heavy at scale (whole-table
//! group-bys): run by one node every `stats.rollup_ms`, never per request.

use super::hourly::{self, Counted};
use super::model::{ActiveUsers, Counts, OfferConversion, Plays, Searches};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use std::time::Duration;

/// Offer conversion looks at offers created this many days back.
const CONVERSION_DAYS: i64 = 30;

#[derive(QueryableByName)]
struct KeyCount {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Two {
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
}

#[derive(QueryableByName)]
struct Three {
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
    #[diesel(sql_type = BigInt)]
    c: i64,
}

/// Rows per status of `table` (a constant).
async fn by_status(conn: &mut AsyncPgConnection, table: &'static str) -> diesel::QueryResult<BTreeMap<String, i64>> {
    let rows: Vec<KeyCount> =
        diesel::sql_query(format!("SELECT status AS key, count(*) AS n FROM {table} GROUP BY status"))
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|r| (r.key, r.n)).collect())
}

async fn two(conn: &mut AsyncPgConnection, sql: &str) -> diesel::QueryResult<(i64, i64)> {
    let t: Two = diesel::sql_query(sql).get_result(conn).await?;
    Ok((t.a, t.b))
}

async fn three(conn: &mut AsyncPgConnection, sql: &str) -> diesel::QueryResult<(i64, i64, i64)> {
    let t: Three = diesel::sql_query(sql).get_result(conn).await?;
    Ok((t.a, t.b, t.c))
}

/// Every count of the rollup; `lag` is `stats.count_lag_ms` (see `hourly`).
pub async fn counts(conn: &mut AsyncPgConnection, lag: Duration) -> diesel::QueryResult<Counts> {
    let users_by_status = by_status(conn, "users").await?;
    // A user's last activity of each day is on that day's row: the newest of them says whether
    // the user was active within a window.
    let (d1, d7, d30) = three(
        conn,
        "SELECT count(DISTINCT user_id) FILTER (WHERE last_at > now() - interval '24 hours') AS a, \
           count(DISTINCT user_id) FILTER (WHERE last_at > now() - interval '7 days') AS b, \
           count(DISTINCT user_id) FILTER (WHERE last_at > now() - interval '30 days') AS c \
         FROM user_activity WHERE day >= (now() AT TIME ZONE 'UTC')::date - 31",
    )
    .await?;
    let messages_per_hour = hourly::advance(conn, Counted::Messages, lag, 48).await?;
    let plays_per_hour = hourly::advance(conn, Counted::Plays, lag, 24).await?;
    let (created, completed) = two(
        conn,
        &format!(
            "SELECT count(*) AS a, count(*) FILTER (WHERE status = 'completed') AS b \
             FROM offers WHERE created_at > now() - interval '{CONVERSION_DAYS} days'"
        ),
    )
    .await?;
    let (tracks, total_plays) =
        two(conn, "SELECT count(*) AS a, coalesce(sum(plays), 0)::bigint AS b FROM tracks").await?;
    let (searches, zero) = two(
        conn,
        "SELECT coalesce(sum(searches), 0)::bigint AS a, \
           coalesce(sum(searches) FILTER (WHERE zero_results), 0)::bigint AS b \
         FROM search_queries WHERE minute > now() - interval '24 hours'",
    )
    .await?;
    Ok(Counts {
        users: users_by_status.values().sum(),
        users_by_status,
        active_users_24h: d1,
        active_users: ActiveUsers { d1, d7, d30 },
        messages_24h: hourly::last(&messages_per_hour, 24),
        messages_per_hour,
        listings_by_status: by_status(conn, "listings").await?,
        offers_by_status: by_status(conn, "offers").await?,
        offer_conversion: OfferConversion {
            window_days: CONVERSION_DAYS,
            created,
            completed,
            rate: if created > 0 { completed as f64 / created as f64 } else { 0.0 },
        },
        tracks,
        plays: Plays { total: total_plays, last_24h: hourly::last(&plays_per_hour, 24) },
        searches: Searches { last_24h: searches, zero_results_24h: zero },
    })
}

/// Activity older than the longest window.
pub async fn forget_old_activity(conn: &mut AsyncPgConnection) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM user_activity WHERE day < (now() AT TIME ZONE 'UTC')::date - 31").execute(conn).await
}
