//! Offer queries: rows, locks, history, the open offers of a listing, due offers.

use super::model::{OfferEventView, OfferListing, OfferStatus, OfferView};
use crate::db::schema::{listings, offer_events, offers, users};
use crate::money::Money;
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;
use veza_core::{ListingId, OfferId, UserId};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = offers)]
pub struct OfferRow {
    pub id: OfferId,
    pub listing_id: ListingId,
    pub buyer_id: UserId,
    pub seller_id: UserId,
    pub amount: i64,
    pub currency: String,
    pub message: Option<String>,
    pub status: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub buyer_confirmed_at: Option<DateTime<Utc>>,
    pub seller_confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OfferRow {
    /// The table's CHECK allows only known statuses; `Expired` (inert) is the safe reading.
    pub fn status(&self) -> OfferStatus {
        OfferStatus::parse(&self.status).unwrap_or(OfferStatus::Expired)
    }

    pub fn money(&self) -> Money {
        Money { amount: self.amount, currency: self.currency.clone() }
    }
}

/// A new offer's fields.
pub struct NewOfferRow<'a> {
    pub id: OfferId,
    pub listing_id: ListingId,
    pub buyer_id: UserId,
    pub seller_id: UserId,
    pub amount: &'a Money,
    pub message: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, o: NewOfferRow<'_>) -> QueryResult<OfferRow> {
    diesel::insert_into(offers::table)
        .values((
            offers::id.eq(o.id),
            offers::listing_id.eq(o.listing_id),
            offers::buyer_id.eq(o.buyer_id),
            offers::seller_id.eq(o.seller_id),
            offers::amount.eq(o.amount.amount),
            offers::currency.eq(&o.amount.currency),
            offers::message.eq(o.message),
            offers::status.eq(OfferStatus::Pending.as_str()),
            offers::expires_at.eq(Some(o.expires_at)),
        ))
        .returning(OfferRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: OfferId) -> QueryResult<Option<OfferRow>> {
    offers::table.find(id).select(OfferRow::as_select()).first(conn).await.optional()
}

pub async fn get_many(conn: &mut AsyncPgConnection, ids: &[OfferId]) -> QueryResult<Vec<OfferRow>> {
    offers::table.filter(offers::id.eq_any(ids)).order(offers::id).select(OfferRow::as_select()).load(conn).await
}

/// Locks the offer row until the transaction ends: one transition at a time per offer.
pub async fn lock(conn: &mut AsyncPgConnection, id: OfferId) -> QueryResult<Option<OfferRow>> {
    offers::table.find(id).select(OfferRow::as_select()).for_update().first(conn).await.optional()
}

/// What a transition changes; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = offers)]
pub struct OfferChange {
    pub status: Option<String>,
    pub amount: Option<i64>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub buyer_confirmed_at: Option<Option<DateTime<Utc>>>,
    pub seller_confirmed_at: Option<Option<DateTime<Utc>>>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn apply(conn: &mut AsyncPgConnection, id: OfferId, mut change: OfferChange) -> QueryResult<OfferRow> {
    change.updated_at = Some(Utc::now());
    diesel::update(offers::table.find(id)).set(&change).returning(OfferRow::as_returning()).get_result(conn).await
}

type Ending = (
    diesel::dsl::Eq<offers::status, &'static str>,
    diesel::dsl::Eq<offers::expires_at, Option<DateTime<Utc>>>,
    diesel::dsl::Eq<offers::updated_at, DateTime<Utc>>,
);

/// An offer ending as `status` now: no answer is due any more.
fn ending(status: OfferStatus) -> Ending {
    (offers::status.eq(status.as_str()), offers::expires_at.eq(None), offers::updated_at.eq(Utc::now()))
}

/// Expires every open offer of a listing (but `except`), returning them as they are now.
/// Called with the listing row locked, so no offer can be made on it meanwhile.
pub async fn expire_open_of_listing(
    conn: &mut AsyncPgConnection,
    listing: ListingId,
    except: Option<OfferId>,
) -> QueryResult<Vec<OfferRow>> {
    let open = offers::table
        .filter(offers::listing_id.eq(listing))
        .filter(offers::status.eq_any(OfferStatus::OPEN))
        .filter(offers::id.ne(except.unwrap_or_default()));
    diesel::update(open).set(ending(OfferStatus::Expired)).returning(OfferRow::as_returning()).load(conn).await
}

/// Takes up to `batch` due open offers no other node is working on, and expires them.
pub async fn expire_due(conn: &mut AsyncPgConnection, batch: u32) -> QueryResult<Vec<OfferRow>> {
    diesel::sql_query(
        "WITH due AS (SELECT id FROM offers WHERE status IN ('pending', 'countered') AND expires_at <= now() \
                      ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
         UPDATE offers o SET status = 'expired', expires_at = NULL, updated_at = now() FROM due WHERE o.id = due.id \
         RETURNING o.*",
    )
    .bind::<diesel::sql_types::BigInt, _>(i64::from(batch))
    .load(conn)
    .await
}

pub async fn insert_event(
    conn: &mut AsyncPgConnection,
    offer: OfferId,
    actor: Option<UserId>,
    action: &str,
    status: OfferStatus,
    amount: Option<&Money>,
) -> QueryResult<()> {
    diesel::insert_into(offer_events::table)
        .values((
            offer_events::offer_id.eq(offer),
            offer_events::actor_id.eq(actor),
            offer_events::action.eq(action),
            offer_events::status.eq(status.as_str()),
            offer_events::amount.eq(amount.map(|m| m.amount)),
            offer_events::currency.eq(amount.map(|m| m.currency.clone())),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Offers where `user` is the buyer (`Some(true)`), the seller (`Some(false)`) or either,
/// newest first, below the id cursor `before`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    user: UserId,
    as_buyer: Option<bool>,
    status: Option<OfferStatus>,
    before: Option<OfferId>,
    limit: i64,
) -> QueryResult<Vec<OfferRow>> {
    let mut q = offers::table.into_boxed();
    q = match as_buyer {
        Some(true) => q.filter(offers::buyer_id.eq(user)),
        Some(false) => q.filter(offers::seller_id.eq(user)),
        None => q.filter(offers::buyer_id.eq(user).or(offers::seller_id.eq(user))),
    };
    if let Some(s) = status {
        q = q.filter(offers::status.eq(s.as_str()));
    }
    if let Some(b) = before {
        q = q.filter(offers::id.lt(b));
    }
    q.order(offers::id.desc()).limit(limit).select(OfferRow::as_select()).load(conn).await
}

/// The views of `rows`, with their full history when `with_events`.
pub async fn views(
    conn: &mut AsyncPgConnection,
    rows: Vec<OfferRow>,
    with_events: bool,
) -> QueryResult<Vec<OfferView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<OfferId> = rows.iter().map(|r| r.id).collect();
    let people: Vec<UserId> = rows.iter().flat_map(|r| [r.buyer_id, r.seller_id]).collect();
    let names: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&people))
        .select((users::id, users::username))
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let listing_ids: Vec<ListingId> = rows.iter().map(|r| r.listing_id).collect();
    let listed: HashMap<ListingId, OfferListing> = listings::table
        .filter(listings::id.eq_any(&listing_ids))
        .select((listings::id, listings::title, listings::status))
        .load::<(Uuid, String, String)>(conn)
        .await?
        .into_iter()
        .map(|(id, title, status)| (ListingId(id), OfferListing { id, title, status }))
        .collect();
    let mut history: HashMap<OfferId, Vec<OfferEventView>> = HashMap::new();
    if with_events {
        type EventRow =
            (OfferId, Option<Uuid>, Option<String>, String, String, Option<i64>, Option<String>, DateTime<Utc>);
        let events: Vec<EventRow> = offer_events::table
            .left_join(users::table.on(users::id.nullable().eq(offer_events::actor_id)))
            .filter(offer_events::offer_id.eq_any(&ids))
            .order(offer_events::id.asc())
            .select((
                offer_events::offer_id,
                offer_events::actor_id,
                users::username.nullable(),
                offer_events::action,
                offer_events::status,
                offer_events::amount,
                offer_events::currency,
                offer_events::at,
            ))
            .load(conn)
            .await?;
        for (offer, actor, username, action, status, amount, currency, at) in events {
            let actor = actor.zip(username).map(|(id, username)| UserRef { id, username });
            let amount = amount.zip(currency).map(|(amount, currency)| Money { amount, currency });
            let status = OfferStatus::parse(&status).unwrap_or(OfferStatus::Expired);
            history.entry(offer).or_default().push(OfferEventView { action, actor, status, amount, at });
        }
    }
    let name = |id: UserId| UserRef { id: id.uuid(), username: names.get(&id).cloned().unwrap_or_default() };
    Ok(rows
        .into_iter()
        .map(|r| {
            let status = r.status();
            OfferView {
                id: r.id.uuid(),
                listing: listed.get(&r.listing_id).cloned().unwrap_or(OfferListing {
                    id: r.listing_id.uuid(),
                    title: String::new(),
                    status: String::new(),
                }),
                buyer: name(r.buyer_id),
                seller: name(r.seller_id),
                amount: r.money(),
                message: r.message.clone(),
                status,
                turn: status.turn(),
                expires_at: r.expires_at,
                buyer_confirmed: r.buyer_confirmed_at.is_some(),
                seller_confirmed: r.seller_confirmed_at.is_some(),
                created_at: r.created_at,
                updated_at: r.updated_at,
                events: with_events.then(|| history.remove(&r.id).unwrap_or_default()),
            }
        })
        .collect())
}

/// Cancels every offer still in play (open or accepted) where `user` is the buyer or the
/// seller; the offers as they are now.
pub async fn cancel_all_of(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<OfferRow>> {
    let in_play = [OfferStatus::OPEN[0], OfferStatus::OPEN[1], OfferStatus::Accepted.as_str()];
    diesel::update(
        offers::table
            .filter(offers::buyer_id.eq(user).or(offers::seller_id.eq(user)))
            .filter(offers::status.eq_any(in_play)),
    )
    .set(ending(OfferStatus::Cancelled))
    .returning(OfferRow::as_returning())
    .load(conn)
    .await
}

/// Cancels the accepted offer of `listing`, if any (a moderator took the listing down).
pub async fn cancel_accepted_of_listing(
    conn: &mut AsyncPgConnection,
    listing: ListingId,
) -> QueryResult<Vec<OfferRow>> {
    diesel::update(
        offers::table.filter(offers::listing_id.eq(listing)).filter(offers::status.eq(OfferStatus::Accepted.as_str())),
    )
    .set(ending(OfferStatus::Cancelled))
    .returning(OfferRow::as_returning())
    .load(conn)
    .await
}
