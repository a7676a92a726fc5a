//! The entities as the index needs them, read from PostgreSQL (the source of truth) by id. An
//! id that comes back without a row is gone from search: deleted, a suspended or banned user
//! (and what they own), a direct room.

use super::changes::Kind;
use super::model::{Access, Doc, ListingFacets};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(QueryableByName)]
struct ListingRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    seller_id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Array<Text>)]
    tags: Vec<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = SqlUuid)]
    category_id: Uuid,
    #[diesel(sql_type = Text)]
    condition: String,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    price_amount: i64,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    views: i64,
}

#[derive(QueryableByName)]
struct TrackRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    owner_id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Array<Text>)]
    tags: Vec<String>,
    #[diesel(sql_type = Text)]
    visibility: String,
    #[diesel(sql_type = Double)]
    plays: f64,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct UserRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct RoomRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    created_by: Option<Uuid>,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    topic: String,
    #[diesel(sql_type = Bool)]
    private: bool,
    #[diesel(sql_type = Double)]
    members: f64,
    #[diesel(sql_type = Array<SqlUuid>)]
    member_ids: Vec<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct Owned {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

fn only(users: Vec<Uuid>) -> Access {
    Access::Only(users)
}

/// Rows of `sql`, whose `$1` is the ids.
async fn by_ids<R>(conn: &mut AsyncPgConnection, sql: &str, ids: Vec<Uuid>) -> diesel::QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::pg::Pg> + Send + 'static,
{
    diesel::sql_query(sql).bind::<Array<SqlUuid>, _>(ids).load(conn).await
}

/// The documents of `ids` of `kind` that search may show to someone.
pub async fn load(conn: &mut AsyncPgConnection, kind: Kind, ids: &[Uuid]) -> diesel::QueryResult<Vec<Doc>> {
    let ids = ids.to_vec();
    Ok(match kind {
        Kind::Listing => {
            let rows: Vec<ListingRow> = by_ids(
                conn,
                "SELECT l.id, l.seller_id, l.title, l.description, l.tags, l.status, l.category_id, l.condition, \
                        l.currency, l.price_amount, l.created_at, l.views \
                 FROM listings l JOIN users u ON u.id = l.seller_id \
                 WHERE l.id = ANY($1) AND u.status = 'active'",
                ids,
            )
            .await?;
            rows.into_iter()
                .map(|r| Doc {
                    kind,
                    id: r.id,
                    title: r.title,
                    tags: r.tags.clone(),
                    body: r.description,
                    // Drafts and removed listings are their seller's alone.
                    access: if matches!(r.status.as_str(), "draft" | "removed") {
                        only(vec![r.seller_id])
                    } else {
                        Access::Everyone
                    },
                    owner: Some(r.seller_id),
                    popularity: r.views as f64,
                    created: r.created_at,
                    listing: Some(ListingFacets {
                        status: r.status,
                        category: r.category_id,
                        condition: r.condition,
                        currency: r.currency,
                        price: r.price_amount,
                        tags: r.tags,
                    }),
                })
                .collect()
        }
        Kind::Track => {
            let rows: Vec<TrackRow> = by_ids(
                conn,
                "SELECT t.id, t.owner_id, t.title, concat_ws(' ', t.artist, t.album) AS body, \
                        array_remove(t.tags || ARRAY[t.genre], NULL) AS tags, \
                        CASE WHEN t.hidden_at IS NULL THEN t.visibility ELSE 'hidden' END AS visibility, \
                        t.plays::float8 AS plays, t.created_at \
                 FROM tracks t JOIN users u ON u.id = t.owner_id \
                 WHERE t.id = ANY($1) AND u.status = 'active'",
                ids,
            )
            .await?;
            rows.into_iter()
                .map(|r| Doc {
                    kind,
                    id: r.id,
                    title: r.title,
                    tags: r.tags,
                    body: r.body,
                    access: if r.visibility == "public" { Access::Everyone } else { only(vec![r.owner_id]) },
                    owner: Some(r.owner_id),
                    popularity: r.plays,
                    created: r.created_at,
                    listing: None,
                })
                .collect()
        }
        Kind::User => {
            let rows: Vec<UserRow> = by_ids(
                conn,
                "SELECT id, concat_ws(' ', username, display_name) AS title, coalesce(bio, '') AS body, created_at \
                 FROM users WHERE id = ANY($1) AND status = 'active'",
                ids,
            )
            .await?;
            rows.into_iter()
                .map(|r| Doc {
                    kind,
                    id: r.id,
                    title: r.title,
                    tags: Vec::new(),
                    body: r.body,
                    access: Access::Everyone,
                    owner: Some(r.id),
                    popularity: 0.0,
                    created: r.created_at,
                    listing: None,
                })
                .collect()
        }
        Kind::Room => {
            let rows: Vec<RoomRow> = by_ids(conn, "SELECT r.id, r.created_by, r.name, coalesce(r.topic, '') AS topic, r.visibility = 'private' AS private, \
                        (SELECT count(*) FROM room_members m JOIN users u ON u.id = m.user_id WHERE m.room_id = r.id AND u.status = 'active')::float8 AS members, \
                        CASE WHEN r.visibility = 'private' \
                             THEN ARRAY(SELECT m.user_id FROM room_members m WHERE m.room_id = r.id) \
                             ELSE '{}'::uuid[] END AS member_ids, \
                        r.created_at \
                 FROM rooms r WHERE r.id = ANY($1) AND NOT r.is_direct", ids).await?;
            rows.into_iter()
                .map(|r| Doc {
                    kind,
                    id: r.id,
                    title: r.name,
                    tags: Vec::new(),
                    body: r.topic,
                    access: if r.private { only(r.member_ids) } else { Access::Everyone },
                    owner: r.created_by,
                    popularity: r.members,
                    created: r.created_at,
                    listing: None,
                })
                .collect()
        }
    })
}

/// What `users` own that search shows: when a user's status changes, their listings and
/// tracks appear or go with them.
pub async fn owned_by(conn: &mut AsyncPgConnection, users: &[Uuid]) -> diesel::QueryResult<Vec<(Kind, Uuid)>> {
    let rows: Vec<Owned> = diesel::sql_query(
        "SELECT 'listing' AS kind, id FROM listings WHERE seller_id = ANY($1) \
         UNION ALL SELECT 'track', id FROM tracks WHERE owner_id = ANY($1)",
    )
    .bind::<Array<SqlUuid>, _>(users.to_vec())
    .load(conn)
    .await?;
    Ok(rows.into_iter().filter_map(|r| Some((Kind::parse(&r.kind)?, r.id))).collect())
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Up to `limit` ids of `kind` after `after`, in id order (a full build pages with it).
pub async fn ids_after(
    conn: &mut AsyncPgConnection,
    kind: Kind,
    after: Uuid,
    limit: i64,
) -> diesel::QueryResult<Vec<Uuid>> {
    let table = kind.plural();
    let rows: Vec<Id> = diesel::sql_query(format!("SELECT id FROM {table} WHERE id > $1 ORDER BY id LIMIT $2"))
        .bind::<SqlUuid, _>(after)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
