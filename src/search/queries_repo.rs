//! `search_queries`: counted searches (see `queries.rs`), and the two reports read from them.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Searches of one normalised query by one searcher in one minute.
#[derive(Debug, Clone, PartialEq)]
pub struct Searched {
    pub query: String,
    pub searcher: String,
    pub minute: DateTime<Utc>,
    pub searches: i32,
    pub zero_results: bool,
}

/// Adds `rows` (one per query, searcher and minute) to the counts.
pub async fn insert(conn: &mut AsyncPgConnection, rows: Vec<Searched>) -> diesel::QueryResult<usize> {
    let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        cols.0.push(r.query);
        cols.1.push(r.searcher);
        cols.2.push(r.minute);
        cols.3.push(r.searches);
        cols.4.push(r.zero_results);
    }
    diesel::sql_query(
        "INSERT INTO search_queries (query, searcher, minute, searches, zero_results, last_at) \
         SELECT q, s, m, n, z, now() FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::bool[]) \
              AS t(q, s, m, n, z) \
         ON CONFLICT (query, searcher, minute) DO UPDATE \
         SET searches = search_queries.searches + EXCLUDED.searches, \
             zero_results = EXCLUDED.zero_results, last_at = EXCLUDED.last_at",
    )
    .bind::<Array<Text>, _>(cols.0)
    .bind::<Array<Text>, _>(cols.1)
    .bind::<Array<Timestamptz>, _>(cols.2)
    .bind::<Array<Integer>, _>(cols.3)
    .bind::<Array<Bool>, _>(cols.4)
    .execute(conn)
    .await
}

/// Forgets counts older than `before`.
pub async fn prune(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM search_queries WHERE minute < $1").bind::<Timestamptz, _>(before).execute(conn).await
}

#[derive(Debug, QueryableByName)]
pub struct PopularRow {
    #[diesel(sql_type = Text)]
    pub query: String,
    #[diesel(sql_type = BigInt)]
    pub users: i64,
}

/// Queries that found something, searched since `since` by at least `min_users` distinct
/// searchers, most searchers first.
pub async fn popular(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
    min_users: i64,
    limit: i64,
) -> diesel::QueryResult<Vec<PopularRow>> {
    diesel::sql_query(
        "SELECT query, count(DISTINCT searcher) AS users FROM search_queries \
         WHERE minute >= $1 AND NOT zero_results GROUP BY query \
         HAVING count(DISTINCT searcher) >= $2 ORDER BY users DESC, query LIMIT $3",
    )
    .bind::<Timestamptz, _>(since)
    .bind::<BigInt, _>(min_users)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

#[derive(Debug, QueryableByName)]
pub struct ZeroRow {
    #[diesel(sql_type = Text)]
    pub query: String,
    #[diesel(sql_type = BigInt)]
    pub searches: i64,
    #[diesel(sql_type = BigInt)]
    pub users: i64,
    #[diesel(sql_type = Timestamptz)]
    pub last_at: DateTime<Utc>,
}

/// Queries that found nothing since `since`, most searchers first.
pub async fn zero_results(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
    limit: i64,
) -> diesel::QueryResult<Vec<ZeroRow>> {
    diesel::sql_query(
        "SELECT query, sum(searches)::int8 AS searches, count(DISTINCT searcher) AS users, max(last_at) AS last_at \
         FROM search_queries WHERE minute >= $1 AND zero_results GROUP BY query \
         ORDER BY users DESC, searches DESC, query LIMIT $2",
    )
    .bind::<Timestamptz, _>(since)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
