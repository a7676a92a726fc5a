//! The offers service: an actor per HTTP worker delegating to `OfferCore`.
//!
//! Locking, so concurrent answers cannot both win: a transition that changes the listing
//! (accept, confirm, cancel) locks the listing row first, then the offer row; the others lock
//! only the offer row. Creating an offer takes a shared lock on the listing. Every path that
//! holds both locks takes them in that order (listing, then offers), so two transactions never
//! wait on each other in a circle. Two acceptances of different offers on one listing queue on
//! the listing row; the second finds its offer expired by the first and gets 409.

use super::events::{self, CREATED, UPDATED};
use super::model::*;
use super::repo::{self, NewOfferRow, OfferChange, OfferRow};
use crate::activity;
use crate::db::{PooledConn, checkout};
use crate::error::unique_violation_as;
use crate::listings::model::{ListingAction, ListingStatus, transition as listing_transition};
use crate::listings::repo as listings_repo;
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::users::blocking::blocked_either_way;
use actix::prelude::*;
use chrono::{Duration as ChronoDuration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use veza_core::Code;
use veza_core::{ListingId, OfferId, UserId};

pub struct OfferCore {
    pub state: AppState,
}

/// The offers service actor (one per HTTP worker).
pub type OfferService = Service<OfferCore>;

impl Core for OfferCore {
    fn new(state: AppState) -> Self {
        OfferCore { state }
    }
}

#[derive(Debug, Message)]
#[rtype(result = "Result<OfferView, OfferError>")]
pub struct MakeOffer {
    pub user: UserId,
    pub listing: ListingId,
    pub body: NewOffer,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<OfferView, OfferError>")]
pub struct GetOffer {
    pub user: UserId,
    pub id: OfferId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<OfferView>, OfferError>")]
pub struct ListOffers {
    pub user: UserId,
    /// `Some(true)`: as buyer; `Some(false)`: as seller; `None`: both.
    pub as_buyer: Option<bool>,
    pub status: Option<OfferStatus>,
    pub before: Option<OfferId>,
    pub limit: i64,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<OfferView, OfferError>")]
pub struct Transition {
    pub user: UserId,
    pub id: OfferId,
    pub action: OfferAction,
    /// The new proposal, for `Counter`.
    pub amount: Option<crate::money::Money>,
}

crate::delegate_to_core!(OfferCore {
    MakeOffer => make_offer,
    GetOffer => get_offer,
    ListOffers => list_offers,
    Transition => transition,
});

/// What a transition did besides the offer itself: the other offers it expired.
#[derive(Default)]
struct SideEffects {
    expired: Vec<OfferId>,
    /// The state the offer entered, when it changed (a first confirmation leaves it as it was).
    entered: Option<OfferStatus>,
}

impl OfferCore {
    async fn conn(&self) -> Result<PooledConn<'_>, OfferError> {
        Ok(checkout(&self.state.pool).await?)
    }

    /// When a proposal made now expires: the runtime setting `offers.expiry_secs` (admin config,
    /// every node within a second) when set to a positive number, else `offers.expiry_secs` of
    /// the config file.
    fn expiry(&self) -> chrono::DateTime<Utc> {
        let configured = self.state.config.offers.expiry_secs;
        let secs = self.state.settings.tuned().offer_expiry_secs.unwrap_or(configured);
        let secs = i64::try_from(secs).unwrap_or(i64::MAX / 1000);
        Utc::now() + ChronoDuration::try_seconds(secs).unwrap_or(ChronoDuration::hours(72))
    }

    async fn view(conn: &mut AsyncPgConnection, row: OfferRow) -> Result<OfferView, OfferError> {
        repo::views(conn, vec![row], true).await?.pop().ok_or(OfferError::NotFound)
    }

    pub async fn make_offer(&self, m: MakeOffer) -> Result<OfferView, OfferError> {
        let note = message(m.body.message.as_deref())?;
        let expires_at = self.expiry();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction::<_, OfferError, _>(async |conn| {
                let listing = listings_repo::lock_shared(conn, m.listing).await?.ok_or(OfferError::NotFound)?;
                let status = listing.status();
                if !status.is_public() && listing.seller_id != m.user {
                    return Err(OfferError::NotFound);
                }
                if listing.seller_id == m.user {
                    return Err(OfferError::own_listing());
                }
                if status != ListingStatus::Active {
                    return Err(OfferError::listing_not_active());
                }
                if blocked_either_way(conn, m.user, listing.seller_id).await? {
                    return Err(OfferError::blocked());
                }
                let amount = proposal(m.body.amount, &listing.currency)?;
                let row = repo::insert(
                    conn,
                    NewOfferRow {
                        id: OfferId::new_v7(),
                        listing_id: listing.id,
                        buyer_id: m.user,
                        seller_id: listing.seller_id,
                        amount: &amount,
                        message: note.as_deref(),
                        expires_at,
                    },
                )
                .await
                .map_err(unique_violation_as(Code::OfferExists, "you already have an open offer on this listing"))?;
                events::record(conn, &row, Some(m.user), "created", Some(&amount)).await?;
                Ok(row)
            })
            .await?;
        let view = Self::view(&mut conn, row).await?;
        events::entered(&self.state.metrics, view.status);
        events::push(&self.state.realtime, CREATED, &view);
        Ok(view)
    }

    pub async fn get_offer(&self, m: GetOffer) -> Result<OfferView, OfferError> {
        let mut conn = self.conn().await?;
        let row = repo::get(&mut conn, m.id).await?.ok_or(OfferError::NotFound)?;
        // Only its two parties know the offer exists.
        if row.buyer_id != m.user && row.seller_id != m.user {
            return Err(OfferError::NotFound);
        }
        Self::view(&mut conn, row).await
    }

    pub async fn list_offers(&self, m: ListOffers) -> Result<Vec<OfferView>, OfferError> {
        let mut conn = self.conn().await?;
        let rows = repo::list(&mut conn, m.user, m.as_buyer, m.status, m.before, m.limit).await?;
        Ok(repo::views(&mut conn, rows, false).await?)
    }

    pub async fn transition(&self, m: Transition) -> Result<OfferView, OfferError> {
        let expires_at = self.expiry();
        let mut conn = self.conn().await?;
        let (row, effects) = conn
            .transaction::<_, OfferError, _>(async |conn| {
                let first = repo::get(conn, m.id).await?.ok_or(OfferError::NotFound)?;
                if first.buyer_id != m.user && first.seller_id != m.user {
                    return Err(OfferError::NotFound);
                }
                // The listing's lock before the offer's: see the module comment.
                let listing = match m.action.touches_listing() {
                    true => Some(listings_repo::lock(conn, first.listing_id).await?.ok_or(OfferError::NotFound)?),
                    false => None,
                };
                let offer = repo::lock(conn, m.id).await?.ok_or(OfferError::NotFound)?;
                let party = if offer.buyer_id == m.user { Party::Buyer } else { Party::Seller };
                let confirmed = Confirmed {
                    buyer: offer.buyer_confirmed_at.is_some(),
                    seller: offer.seller_confirmed_at.is_some(),
                };
                let to = decide(offer.status(), m.action, party, confirmed)?;
                let mut effects = SideEffects { entered: (to != offer.status()).then_some(to), ..Default::default() };
                let mut change = OfferChange { status: Some(to.as_str().to_owned()), ..Default::default() };
                let mut amount = None;
                match m.action {
                    OfferAction::Counter => {
                        let proposed = m.amount.clone().ok_or(OfferError::Invalid {
                            field: "amount",
                            message: "a counter names an amount".into(),
                        })?;
                        let proposed = proposal(proposed, &offer.currency)?;
                        change.amount = Some(proposed.amount);
                        change.expires_at = Some(Some(expires_at));
                        amount = Some(proposed);
                    }
                    OfferAction::Accept => {
                        let listing = listing.as_ref().ok_or(OfferError::NotFound)?;
                        let reserved = listing_transition(listing.status(), ListingAction::Reserve)
                            .map_err(|_| OfferError::listing_not_active())?;
                        listings_repo::set_status(conn, listing.id, reserved).await?;
                        listing_activity(conn, listing.seller_id, listing.id, "listing.reserved", offer.id).await?;
                        change.expires_at = Some(None);
                        effects.expired = events::expire_open_of_listing(conn, listing.id, Some(offer.id)).await?;
                    }
                    OfferAction::Confirm => {
                        let now = Some(Some(Utc::now()));
                        match party {
                            Party::Buyer => change.buyer_confirmed_at = now,
                            _ => change.seller_confirmed_at = now,
                        }
                        if to == OfferStatus::Completed {
                            let listing = listing.as_ref().ok_or(OfferError::NotFound)?;
                            let sold = listing_transition(listing.status(), ListingAction::Sell)
                                .map_err(|_| OfferError::listing_not_active())?;
                            listings_repo::set_status(conn, listing.id, sold).await?;
                            listing_activity(conn, listing.seller_id, listing.id, "listing.sold", offer.id).await?;
                            // Selling expires whatever is still open (nothing, while reserved).
                            effects.expired = events::expire_open_of_listing(conn, listing.id, Some(offer.id)).await?;
                        }
                    }
                    OfferAction::Cancel => {
                        let listing = listing.as_ref().ok_or(OfferError::NotFound)?;
                        // Back on the market; a listing archived meanwhile stays as it is.
                        if let Ok(active) = listing_transition(listing.status(), ListingAction::Release) {
                            listings_repo::set_status(conn, listing.id, active).await?;
                            listing_activity(conn, listing.seller_id, listing.id, "listing.released", offer.id).await?;
                        }
                    }
                    OfferAction::Decline | OfferAction::Withdraw | OfferAction::Expire => {
                        change.expires_at = Some(None);
                    }
                }
                let row = repo::apply(conn, offer.id, change).await?;
                events::record(conn, &row, Some(m.user), m.action.past_tense(), amount.as_ref()).await?;
                Ok((row, effects))
            })
            .await?;
        if m.action.touches_listing() {
            self.state.cache.invalidate(&crate::listings::repo::cache_key(row.listing_id));
        }
        let view = Self::view(&mut conn, row).await?;
        if let Some(status) = effects.entered {
            events::entered(&self.state.metrics, status);
        }
        events::push(&self.state.realtime, UPDATED, &view);
        events::announce_updated(&mut conn, &self.state.realtime, &self.state.metrics, &effects.expired).await;
        Ok(view)
    }
}

/// A listing status change caused by an offer, in the seller's activity.
async fn listing_activity(
    conn: &mut AsyncPgConnection,
    seller: UserId,
    listing: ListingId,
    kind: &str,
    offer: OfferId,
) -> diesel::QueryResult<()> {
    activity::record(conn, seller, kind, json!({ "listing": listing, "offer": offer })).await
}
