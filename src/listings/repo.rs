//! Listing queries (the filtered search is in `search.rs`, facets in `facets.rs`).

use super::model::{Condition, ListingContent, ListingStatus, ListingView};
use crate::db::schema::{listings, users};
use crate::money::Money;
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use veza_core::{CategoryId, ListingId, UserId};

/// Also `QueryableByName`, so `search.rs` reads it from hand-written SQL by column name; and
/// serde, for the read cache (`cache_key`).
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = listings)]
pub struct ListingRow {
    pub id: ListingId,
    pub seller_id: UserId,
    pub title: String,
    pub description: String,
    pub price_amount: i64,
    pub currency: String,
    pub category_id: CategoryId,
    pub tags: Vec<String>,
    pub condition: String,
    pub track_id: Option<Uuid>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl ListingRow {
    /// Status as the enum; the table's CHECK makes anything else impossible, `Draft` is the
    /// safe reading (visible to its seller only) should it ever happen.
    pub fn status(&self) -> ListingStatus {
        ListingStatus::parse(&self.status).unwrap_or(ListingStatus::Draft)
    }

    pub fn content(&self) -> ListingContent {
        ListingContent {
            title: self.title.clone(),
            description: self.description.clone(),
            price: Money { amount: self.price_amount, currency: self.currency.clone() },
            category_id: self.category_id,
            tags: self.tags.clone(),
            condition: Condition::parse(&self.condition).unwrap_or(Condition::Used),
            track_id: self.track_id,
        }
    }

    pub fn view(self, seller_username: String) -> ListingView {
        let status = self.status();
        let condition = Condition::parse(&self.condition).unwrap_or(Condition::Used);
        ListingView {
            id: self.id.uuid(),
            seller: UserRef { id: self.seller_id.uuid(), username: seller_username },
            title: self.title,
            description: self.description,
            price: Money { amount: self.price_amount, currency: self.currency },
            category_id: self.category_id.uuid(),
            tags: self.tags,
            condition,
            track_id: self.track_id,
            status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
        }
    }
}

/// The columns a seller writes, for insert and update alike (`track_id: None` clears it).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = listings, treat_none_as_null = true)]
struct ContentColumns<'a> {
    title: &'a str,
    description: &'a str,
    price_amount: i64,
    currency: &'a str,
    category_id: CategoryId,
    tags: &'a Vec<String>,
    condition: &'static str,
    track_id: Option<Uuid>,
}

impl<'a> From<&'a ListingContent> for ContentColumns<'a> {
    fn from(c: &'a ListingContent) -> Self {
        ContentColumns {
            title: &c.title,
            description: &c.description,
            price_amount: c.price.amount,
            currency: &c.price.currency,
            category_id: c.category_id,
            tags: &c.tags,
            condition: c.condition.as_str(),
            track_id: c.track_id,
        }
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: ListingId,
    seller: UserId,
    c: &ListingContent,
    status: ListingStatus,
) -> QueryResult<ListingRow> {
    let published_at = (status == ListingStatus::Active).then(Utc::now);
    diesel::insert_into(listings::table)
        .values((
            listings::id.eq(id),
            listings::seller_id.eq(seller),
            ContentColumns::from(c),
            listings::status.eq(status.as_str()),
            listings::published_at.eq(published_at),
        ))
        .returning(ListingRow::as_returning())
        .get_result(conn)
        .await
}

/// The read-cache key of a listing (its row and seller name); every write invalidates it.
pub fn cache_key(id: ListingId) -> String {
    format!("listing:{id}")
}

/// A listing with its seller's username.
pub async fn get(conn: &mut AsyncPgConnection, id: ListingId) -> QueryResult<Option<(ListingRow, String)>> {
    listings::table
        .inner_join(users::table)
        .filter(listings::id.eq(id))
        .select((ListingRow::as_select(), users::username))
        .first(conn)
        .await
        .optional()
}

/// Listings by id with their sellers' usernames, sellers active only (search results).
/// Takes a shared connection so that it can go down one pipelined with others.
pub async fn many(mut conn: &AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<(ListingRow, String)>> {
    listings::table
        .inner_join(users::table)
        .filter(listings::id.eq_any(ids.iter().map(|id| ListingId(*id)).collect::<Vec<_>>()))
        .filter(users::status.eq(crate::auth::model::UserStatus::Active))
        .select((ListingRow::as_select(), users::username))
        .load(&mut conn)
        .await
}

/// Locks the listing row until the transaction ends: status changes and acceptances of its
/// offers serialise here.
pub async fn lock(conn: &mut AsyncPgConnection, id: ListingId) -> QueryResult<Option<ListingRow>> {
    listings::table.find(id).select(ListingRow::as_select()).for_update().first(conn).await.optional()
}

/// A shared lock: new offers may be made side by side, but not while an acceptance or a
/// status change holds the row.
pub async fn lock_shared(conn: &mut AsyncPgConnection, id: ListingId) -> QueryResult<Option<ListingRow>> {
    listings::table.find(id).select(ListingRow::as_select()).for_share().first(conn).await.optional()
}

pub async fn update_content(
    conn: &mut AsyncPgConnection,
    id: ListingId,
    c: &ListingContent,
) -> QueryResult<ListingRow> {
    diesel::update(listings::table.find(id))
        .set((ContentColumns::from(c), listings::updated_at.eq(Utc::now())))
        .returning(ListingRow::as_returning())
        .get_result(conn)
        .await
}

/// Moves a listing to `to` (the caller checked the transition); publishing stamps `published_at`.
pub async fn set_status(conn: &mut AsyncPgConnection, id: ListingId, to: ListingStatus) -> QueryResult<ListingRow> {
    let now = Utc::now();
    let q = diesel::update(listings::table.find(id));
    if to == ListingStatus::Active {
        q.set((
            listings::status.eq(to.as_str()),
            listings::updated_at.eq(now),
            listings::published_at.eq(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
                "coalesce(published_at, now())",
            )),
        ))
        .returning(ListingRow::as_returning())
        .get_result(conn)
        .await
    } else {
        q.set((listings::status.eq(to.as_str()), listings::updated_at.eq(now)))
            .returning(ListingRow::as_returning())
            .get_result(conn)
            .await
    }
}

pub async fn delete(conn: &mut AsyncPgConnection, id: ListingId) -> QueryResult<()> {
    diesel::delete(listings::table.find(id)).execute(conn).await.map(|_| ())
}

/// Archives every listing of `seller` not yet sold or archived; their ids.
pub async fn archive_all_of(conn: &mut AsyncPgConnection, seller: UserId) -> QueryResult<Vec<ListingId>> {
    let open = [ListingStatus::Draft, ListingStatus::Active, ListingStatus::Reserved].map(ListingStatus::as_str);
    diesel::update(listings::table.filter(listings::seller_id.eq(seller)).filter(listings::status.eq_any(open)))
        .set((listings::status.eq(ListingStatus::Archived.as_str()), listings::updated_at.eq(Utc::now())))
        .returning(listings::id)
        .get_results(conn)
        .await
}

/// Puts a reserved listing back on the market (its accepted offer ended without a sale);
/// whether it was reserved.
pub async fn reopen_reserved(conn: &mut AsyncPgConnection, id: ListingId) -> QueryResult<bool> {
    let n = diesel::update(listings::table.find(id).filter(listings::status.eq(ListingStatus::Reserved.as_str())))
        .set((listings::status.eq(ListingStatus::Active.as_str()), listings::updated_at.eq(Utc::now())))
        .execute(conn)
        .await?;
    Ok(n == 1)
}
