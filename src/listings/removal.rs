//! A listing a moderator takes down (a report resolved with `remove_content`): `removed`
//! through the transition table, its open offers expired and an accepted one cancelled, in the
//! caller's transaction; once committed, the cache, the index and both parties of each offer
//! hear it (`announce`).

use super::model::{ListingAction, ListingError, transition};
use super::repo;
use crate::activity;
use crate::offers::events as offer_events;
use crate::search::changes::Kind;
use crate::state::AppState;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use veza_core::{ListingId, OfferId, UserId};

/// What a removal changed, to announce after the commit.
#[derive(Debug)]
pub struct Removal {
    pub listing: ListingId,
    pub offers: Vec<OfferId>,
}

/// Takes the listing down, by `by`; 404 when it is gone, 409 when it is removed already.
pub async fn remove(conn: &mut AsyncPgConnection, id: ListingId, by: UserId) -> Result<Removal, ListingError> {
    let row = repo::lock(conn, id).await?.ok_or(ListingError::NotFound)?;
    let to = transition(row.status(), ListingAction::Remove)?;
    let row = repo::set_status(conn, row.id, to).await?;
    activity::record(conn, row.seller_id, "listing.removed", json!({ "listing": row.id, "title": row.title })).await?;
    let offers = offer_events::end_all_of_listing(conn, row.id, by).await?;
    Ok(Removal { listing: row.id, offers })
}

/// After the commit: the cached listing dropped, the index told, the offers' parties pushed.
pub async fn announce(state: &AppState, conn: &mut AsyncPgConnection, r: &Removal) {
    state.cache.invalidate(&repo::cache_key(r.listing));
    state.search.wrote(Kind::Listing, r.listing.uuid()).await;
    offer_events::announce_updated(conn, &state.realtime, &state.metrics, &r.offers).await;
}
