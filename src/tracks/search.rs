//! `GET /tracks`: `?owner=&q=&tag=&sort=` with keyset cursors. Full text uses the stored,
//! weighted `tracks.search` (title, then artist and album, then tags; GIN-indexed). Every sort
//! ends with the id, so a cursor (the last row's key and id) resumes exactly after it.

use super::model::{TAG, TrackError, TrackView};
use super::repo::TrackRow;
use crate::db::sql::Sql;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Float4, Text};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use veza_core::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackSort {
    Newest,
    Oldest,
    /// Most played first.
    Popular,
    /// Best match of `q` first (the default with `q`).
    Relevance,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// A username or user id: that user's tracks.
    pub owner: Option<String>,
    /// Words of the title, artist, album or tags.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only tracks with this tag.
    #[param(max_length = 32)]
    pub tag: Option<String>,
    /// `newest` by default; `relevance` by default with `q`.
    pub sort: Option<TrackSort>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackPage {
    pub items: Vec<TrackView>,
    pub next_cursor: Option<String>,
}

/// Where the previous page stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cursor {
    Id(Uuid),
    Plays(i64, Uuid),
    Rank(f32, Uuid),
}

fn encode(c: Cursor) -> String {
    let text = match c {
        Cursor::Id(id) => format!("i:{id}"),
        Cursor::Plays(n, id) => format!("p:{n}:{id}"),
        Cursor::Rank(r, id) => format!("r:{}:{id}", r.to_bits()),
    };
    URL_SAFE_NO_PAD.encode(text)
}

fn decode(raw: &str, sort: TrackSort) -> Result<Cursor, TrackError> {
    let bad = || TrackError::invalid("cursor", "not a cursor of this list");
    let text = URL_SAFE_NO_PAD.decode(raw).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)?;
    let parts: Vec<&str> = text.split(':').collect();
    let id = |s: &str| Uuid::parse_str(s).map_err(|_| bad());
    match (sort, parts.as_slice()) {
        (TrackSort::Newest | TrackSort::Oldest, ["i", i]) => Ok(Cursor::Id(id(i)?)),
        (TrackSort::Popular, ["p", n, i]) => Ok(Cursor::Plays(n.parse().map_err(|_| bad())?, id(i)?)),
        (TrackSort::Relevance, ["r", r, i]) => Ok(Cursor::Rank(f32::from_bits(r.parse().map_err(|_| bad())?), id(i)?)),
        _ => Err(bad()),
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(embed)]
    track: TrackRow,
    #[diesel(sql_type = Text)]
    owner_username: String,
    #[diesel(sql_type = Float4)]
    rank: f32,
}

const COLUMNS: &str = "SELECT t.id, t.owner_id, t.blob_sha256, t.cover_sha256, t.title, t.artist, t.album, t.year, \
    t.genre, t.track_number, t.duration_ms, t.bitrate, t.sample_rate, t.channels, t.codec, t.format, t.size_bytes, \
    t.loudness_lufs, t.visibility, t.tags, t.plays, t.created_at, t.updated_at, t.hidden_at, \
    u.username AS owner_username, ";

fn push_rank(q: Sql, text: Option<&str>) -> Sql {
    match text {
        Some(t) => q.sql("ts_rank(t.search, websearch_to_tsquery('simple', ").bind::<Text, _>(t.to_owned()).sql("))"),
        None => q.sql("0::real"),
    }
}

/// One page of the tracks `viewer` may see.
pub async fn page(
    conn: &mut AsyncPgConnection,
    query: &TrackQuery,
    owner: Option<UserId>,
    viewer: Option<UserId>,
    limit: i64,
) -> Result<TrackPage, TrackError> {
    let text = match query.q.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(t) if t.chars().count() > 200 => return Err(TrackError::invalid("q", "at most 200 characters")),
        Some(t) => Some(t.to_owned()),
    };
    let tag = match query.tag.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(TAG.check(t).map_err(|_| TrackError::invalid("tag", "1 to 32 characters"))?.to_lowercase()),
    };
    let sort = query.sort.unwrap_or(if text.is_some() { TrackSort::Relevance } else { TrackSort::Newest });
    if sort == TrackSort::Relevance && text.is_none() {
        return Err(TrackError::invalid("sort", "relevance needs q"));
    }
    // An empty parameter is no parameter (forms send them so).
    let cursor = query.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| decode(c, sort)).transpose()?;
    let t = text.as_deref();
    let mut q = push_rank(Sql::new(COLUMNS), t).sql(" AS rank FROM tracks t JOIN users u ON u.id = t.owner_id");
    q = match viewer {
        Some(v) => q
            .sql(" WHERE ((t.visibility = 'public' AND t.hidden_at IS NULL) OR t.owner_id = ")
            .bind::<diesel::sql_types::Uuid, _>(v)
            .sql(")"),
        None => q.sql(" WHERE t.visibility = 'public' AND t.hidden_at IS NULL"),
    };
    if let Some(o) = owner {
        q = q.sql(" AND t.owner_id = ").bind::<diesel::sql_types::Uuid, _>(o);
    }
    if let Some(text) = t {
        q = q.sql(" AND t.search @@ websearch_to_tsquery('simple', ").bind::<Text, _>(text.to_owned()).sql(")");
    }
    if let Some(tag) = tag {
        q = q.sql(" AND t.tags @> ").bind::<Array<Text>, _>(vec![tag]);
    }
    let uuid = |q: Sql, id: Uuid| q.bind::<diesel::sql_types::Uuid, _>(id);
    q = match cursor {
        None => q,
        Some(Cursor::Id(id)) => {
            uuid(q.sql(if sort == TrackSort::Oldest { " AND t.id > " } else { " AND t.id < " }), id)
        }
        Some(Cursor::Plays(n, id)) => {
            uuid(q.sql(" AND (t.plays, t.id) < (").bind::<BigInt, _>(n).sql(", "), id).sql(")")
        }
        Some(Cursor::Rank(r, id)) => {
            let q = push_rank(q.sql(" AND ("), t).sql(", t.id) < (").bind::<Float4, _>(r).sql(", ");
            uuid(q, id).sql(")")
        }
    };
    q = q.sql(match sort {
        TrackSort::Newest => " ORDER BY t.id DESC",
        TrackSort::Oldest => " ORDER BY t.id ASC",
        TrackSort::Popular => " ORDER BY t.plays DESC, t.id DESC",
        TrackSort::Relevance => " ORDER BY rank DESC, t.id DESC",
    });
    // One row more than asked tells whether another page exists.
    let mut rows: Vec<Row> = q.sql(" LIMIT ").bind::<BigInt, _>(limit + 1).load(conn).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => {
            let id = last.track.id.uuid();
            Some(encode(match sort {
                TrackSort::Newest | TrackSort::Oldest => Cursor::Id(id),
                TrackSort::Popular => Cursor::Plays(last.track.plays, id),
                TrackSort::Relevance => Cursor::Rank(last.rank, id),
            }))
        }
        _ => None,
    };
    let items = rows.into_iter().map(|r| r.track.view(r.owner_username)).collect();
    Ok(TrackPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_sort() {
        let id = Uuid::now_v7();
        for (sort, c) in [
            (TrackSort::Newest, Cursor::Id(id)),
            (TrackSort::Popular, Cursor::Plays(42, id)),
            (TrackSort::Relevance, Cursor::Rank(0.0607927, id)),
        ] {
            assert_eq!(decode(&encode(c), sort).ok(), Some(c));
        }
        assert!(decode(&encode(Cursor::Id(id)), TrackSort::Popular).is_err());
        assert!(decode("not base64!", TrackSort::Newest).is_err());
    }
}
