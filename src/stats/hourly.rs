//! Hourly counts of append-only tables (messages, plays) without a trigger or an index on them:
//! rows are counted by primary-key range. Ids are taken before commit, so a range is counted for
//! good only once every transaction that took one of its ids has ended: each rollup marks the
//! highest id with the time (`event_count_marks`); ids up to a mark older than
//! `stats.count_lag_ms` are final, added to `event_counts_hourly` once, and `counted_to` moves
//! past them. Newer ids (the lag's worth) are counted afresh at each rollup. Runs inside the
//! rollup's transaction, under its lock: one counter at a time.

use super::model::HourCount;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Double, Text, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

/// An append-only table with a `bigserial` id and a time column.
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    Messages,
    Plays,
}

impl Counted {
    fn kind(self) -> &'static str {
        match self {
            Counted::Messages => "messages",
            Counted::Plays => "plays",
        }
    }

    /// Table and time column (constants: never from input).
    fn source(self) -> (&'static str, &'static str) {
        match self {
            Counted::Messages => ("messages", "created_at"),
            Counted::Plays => ("plays", "played_at"),
        }
    }
}

#[derive(QueryableByName)]
struct Mark {
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    max_id: i64,
}

#[derive(QueryableByName)]
struct CountedTo {
    #[diesel(sql_type = BigInt)]
    counted_to: i64,
}

#[derive(QueryableByName)]
struct Hour {
    #[diesel(sql_type = Timestamptz)]
    hour: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Moves `what`'s final ids into the hourly counts, then answers the last `hours` hours, oldest
/// first, the current hour last (ids not final yet counted afresh).
pub async fn advance(
    conn: &mut AsyncPgConnection,
    what: Counted,
    lag: Duration,
    hours: i64,
) -> diesel::QueryResult<Vec<HourCount>> {
    let (kind, (table, time)) = (what.kind(), what.source());
    // The mark's time is read after the highest id: every id up to it was taken before then.
    diesel::sql_query(format!(
        "INSERT INTO event_count_marks (kind, at, max_id) \
         SELECT $1, clock_timestamp(), m FROM (SELECT coalesce(max(id), 0) AS m FROM {table}) s \
         ON CONFLICT DO NOTHING"
    ))
    .bind::<Text, _>(kind)
    .execute(conn)
    .await?;
    let last_final: Option<Mark> = diesel::sql_query(
        "SELECT at, max_id FROM event_count_marks \
         WHERE kind = $1 AND at <= now() - make_interval(secs => $2) ORDER BY at DESC LIMIT 1",
    )
    .bind::<Text, _>(kind)
    .bind::<Double, _>(lag.as_secs_f64())
    .get_result(conn)
    .await
    .optional()?;
    let mut counted_to = diesel::sql_query("SELECT counted_to FROM event_count_state WHERE kind = $1")
        .bind::<Text, _>(kind)
        .get_result::<CountedTo>(conn)
        .await
        .optional()?
        .map_or(0, |c| c.counted_to);
    if let Some(mark) = &last_final {
        if mark.max_id > counted_to {
            diesel::sql_query(format!(
                "INSERT INTO event_counts_hourly (kind, hour, count) \
                 SELECT $1, date_trunc('hour', {time}, 'UTC'), count(*) FROM {table} \
                 WHERE id > $2 AND id <= $3 GROUP BY 2 \
                 ON CONFLICT (kind, hour) DO UPDATE SET count = event_counts_hourly.count + excluded.count"
            ))
            .bind::<Text, _>(kind)
            .bind::<BigInt, _>(counted_to)
            .bind::<BigInt, _>(mark.max_id)
            .execute(conn)
            .await?;
            diesel::sql_query(
                "INSERT INTO event_count_state (kind, counted_to) VALUES ($1, $2) \
                 ON CONFLICT (kind) DO UPDATE SET counted_to = excluded.counted_to",
            )
            .bind::<Text, _>(kind)
            .bind::<BigInt, _>(mark.max_id)
            .execute(conn)
            .await?;
            counted_to = mark.max_id;
        }
        // Older marks are behind the one just used.
        diesel::sql_query("DELETE FROM event_count_marks WHERE kind = $1 AND at < $2")
            .bind::<Text, _>(kind)
            .bind::<Timestamptz, _>(mark.at)
            .execute(conn)
            .await?;
    }
    diesel::sql_query("DELETE FROM event_counts_hourly WHERE kind = $1 AND hour < now() - interval '30 days'")
        .bind::<Text, _>(kind)
        .execute(conn)
        .await?;
    let rows: Vec<Hour> = diesel::sql_query(format!(
        "WITH span AS (SELECT date_trunc('hour', now(), 'UTC') - make_interval(hours => $3::int - 1) AS first) \
         SELECT h.hour, (coalesce(f.count, 0) + coalesce(t.count, 0))::bigint AS count \
         FROM span, generate_series(span.first, date_trunc('hour', now(), 'UTC'), interval '1 hour') AS h(hour) \
         LEFT JOIN event_counts_hourly f ON f.kind = $1 AND f.hour = h.hour \
         LEFT JOIN (SELECT date_trunc('hour', {time}, 'UTC') AS hour, count(*) AS count FROM {table}, span \
                    WHERE id > $2 AND {time} >= span.first GROUP BY 1) t ON t.hour = h.hour \
         ORDER BY h.hour"
    ))
    .bind::<Text, _>(kind)
    .bind::<BigInt, _>(counted_to)
    .bind::<BigInt, _>(hours)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| HourCount { hour: r.hour, count: r.count }).collect())
}

/// The sum of the last `n` entries.
pub fn last(series: &[HourCount], n: usize) -> i64 {
    series.iter().rev().take(n).map(|h| h.count).sum()
}
