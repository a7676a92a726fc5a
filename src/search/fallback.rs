//! Search answered by PostgreSQL full-text search while the node's index is not ready (being
//! built, or down): the same query (words, the last as a prefix, phrases, exclusions), the
//! same privacy and blocks, ranked by `ts_rank`; no typo tolerance or accent folding there.
//! Bounded by `search.timeout_ms` as a statement timeout: past it, what was found, partial.

use super::changes::Kind;
use super::engine::{Found, Hit};
use super::query::Parsed;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Float4, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The query as a `to_tsquery` text. Terms come out of the analyzer (letters and digits only),
/// so nothing in them is tsquery syntax.
pub fn tsquery(q: &Parsed) -> String {
    let phrase = |terms: &[String]| format!("({})", terms.join(" <-> "));
    let words = q.words.iter().map(|w| if w.prefix { format!("{}:*", w.term) } else { w.term.clone() });
    let phrases = q.phrases.iter().filter(|p| !p.is_empty()).map(|p| phrase(p));
    let excluded = q.excluded.iter().filter(|x| !x.is_empty()).map(|x| format!("!{}", phrase(x)));
    words.chain(phrases).chain(excluded).collect::<Vec<_>>().join(" & ")
}

/// `$1` the tsquery, `$2` the viewer (or null), `$3` hidden users, `$4` limit, `$5` offset.
fn statement(kind: Kind) -> &'static str {
    match kind {
        Kind::Listing => {
            "SELECT l.id, ts_rank(l.search, q) AS rank, count(*) OVER () AS total \
             FROM listings l JOIN users u ON u.id = l.seller_id, to_tsquery('english', $1) q \
             WHERE l.search @@ q AND u.status = 'active' AND (l.status <> 'draft' OR l.seller_id = $2) \
               AND NOT l.seller_id = ANY($3) \
             ORDER BY rank DESC, l.id LIMIT $4 OFFSET $5"
        }
        Kind::Track => {
            "SELECT t.id, ts_rank(t.search, q) AS rank, count(*) OVER () AS total \
             FROM tracks t JOIN users u ON u.id = t.owner_id, to_tsquery('simple', $1) q \
             WHERE t.search @@ q AND u.status = 'active' AND (t.visibility = 'public' OR t.owner_id = $2) \
               AND NOT t.owner_id = ANY($3) \
             ORDER BY rank DESC, t.id LIMIT $4 OFFSET $5"
        }
        Kind::User => {
            "SELECT u.id, ts_rank(v, q) AS rank, count(*) OVER () AS total \
             FROM users u, to_tsvector('simple', u.username || ' ' || coalesce(u.display_name, '') || ' ' \
                                      || coalesce(u.bio, '')) v, to_tsquery('simple', $1) q \
             WHERE v @@ q AND u.status = 'active' AND NOT u.id = ANY($3) AND ($2::uuid IS NULL OR true) \
             ORDER BY rank DESC, u.id LIMIT $4 OFFSET $5"
        }
        Kind::Room => {
            "SELECT r.id, ts_rank(v, q) AS rank, count(*) OVER () AS total \
             FROM rooms r, to_tsvector('simple', r.name || ' ' || coalesce(r.topic, '')) v, to_tsquery('simple', $1) q \
             WHERE v @@ q AND NOT r.is_direct \
               AND (r.visibility = 'public' \
                    OR EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = $2)) \
               AND (r.created_by IS NULL OR NOT r.created_by = ANY($3)) \
             ORDER BY rank DESC, r.id LIMIT $4 OFFSET $5"
        }
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Float4)]
    rank: f32,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// What the whole request may be: who asks, whom they must not see, one page.
pub struct Ask<'a> {
    pub parsed: &'a Parsed,
    pub kinds: &'a [Kind],
    pub viewer: Option<Uuid>,
    pub hidden: &'a [Uuid],
    pub limit: usize,
    pub offset: usize,
    pub timeout_ms: u64,
}

/// SQLSTATE 57014: the statement timeout fired.
fn timed_out(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info) if info.message().contains("statement timeout"))
}

/// The page of each kind asked for, ids only (the caller loads the views).
pub async fn run(conn: &mut AsyncPgConnection, ask: Ask<'_>) -> diesel::QueryResult<Found> {
    let text = tsquery(ask.parsed);
    let mut found = Found::default();
    let mut partial = false;
    let result = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::sql_query(format!("SET LOCAL statement_timeout = {}", ask.timeout_ms.max(1))).execute(conn).await?;
            for kind in ask.kinds {
                let rows: Vec<Row> = match diesel::sql_query(statement(*kind))
                    .bind::<Text, _>(&text)
                    .bind::<Nullable<SqlUuid>, _>(ask.viewer)
                    .bind::<Array<SqlUuid>, _>(ask.hidden)
                    .bind::<BigInt, _>(i64::try_from(ask.limit).unwrap_or(i64::MAX))
                    .bind::<BigInt, _>(i64::try_from(ask.offset).unwrap_or(i64::MAX))
                    .load(conn)
                    .await
                {
                    Ok(rows) => rows,
                    Err(e) if timed_out(&e) => {
                        partial = true;
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                };
                let k = kind.index();
                found.counts[k] = rows.as_slice().first().map_or(0, |r| u64::try_from(r.total).unwrap_or(0));
                found.hits[k] = rows
                    .into_iter()
                    .map(|r| Hit { kind: *kind, id: r.id, score: r.rank, title: String::new() })
                    .collect();
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(found),
        // What the kinds before the timeout found stands.
        Err(_) if partial => {
            found.partial = true;
            Ok(found)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::{Rules, parse};

    #[test]
    fn the_query_as_tsquery() {
        let p = parse(r#"Café "blue note" -cheap -"for parts" synt"#, &Rules::default()).unwrap_or_default();
        assert_eq!(tsquery(&p), "cafe & synt:* & (blue <-> note) & !(cheap) & !(for <-> parts)");
    }
}
