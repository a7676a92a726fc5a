//! Every transition is an event: a row of the offer's history and a line of both parties'
//! activity, written in the transition's transaction; then, after the commit, a live push of
//! the whole offer to both parties' sessions (`offer.created` / `offer.updated`).

use super::model::{OfferAction, OfferStatus, OfferView};
use super::repo::{self, OfferRow};
use crate::activity;
use crate::chat::runtime::Realtime;
use crate::metrics::Metrics;
use crate::money::Money;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use veza_core::{ListingId, OfferId, UserId};

pub const CREATED: &str = "offer.created";
pub const UPDATED: &str = "offer.updated";

/// Appends `action` (as `offer` now stands) to its history and to both parties' activity.
pub async fn record(
    conn: &mut AsyncPgConnection,
    offer: &OfferRow,
    actor: Option<UserId>,
    action: &str,
    amount: Option<&Money>,
) -> QueryResult<()> {
    let status = offer.status();
    repo::insert_event(conn, offer.id, actor, action, status, amount).await?;
    let data = json!({
        "offer": offer.id,
        "listing": offer.listing_id,
        "status": status,
        "amount": amount,
        "by": actor,
    });
    let kind = format!("offer.{action}");
    activity::record(conn, offer.buyer_id, &kind, data.clone()).await?;
    activity::record(conn, offer.seller_id, &kind, data).await
}

/// Expires the open offers of `listing` (all but `except`), each with its event; the listing
/// must be locked by the caller. Returns the expired offers' ids, to announce after commit.
pub async fn expire_open_of_listing(
    conn: &mut AsyncPgConnection,
    listing: ListingId,
    except: Option<OfferId>,
) -> QueryResult<Vec<OfferId>> {
    let expired = repo::expire_open_of_listing(conn, listing, except).await?;
    for o in &expired {
        record(conn, o, None, OfferAction::Expire.past_tense(), None).await?;
    }
    Ok(expired.into_iter().map(|o| o.id).collect())
}

/// Counts an offer entering `status` (after the commit that moved it there).
pub fn entered(metrics: &Metrics, status: OfferStatus) {
    metrics.offer_transitions.with_label_values(&[status.as_str()]).inc();
}

/// Pushes `{type:"event", kind, data: <offer>}` to every session of both parties.
pub fn push(realtime: &Realtime, kind: &str, offer: &OfferView) {
    match serde_json::to_value(offer) {
        Ok(data) => {
            realtime.push_user(UserId(offer.buyer.id), kind, data.clone());
            realtime.push_user(UserId(offer.seller.id), kind, data);
        }
        Err(e) => tracing::error!(error = %e, offer = %offer.id, "offer push not encoded"),
    }
}

/// Loads the offers `ids` (with history) and pushes each as `offer.updated`; for changes made
/// as a side effect (other offers expired by an acceptance, an archive, the scheduler).
pub async fn announce_updated(conn: &mut AsyncPgConnection, realtime: &Realtime, metrics: &Metrics, ids: &[OfferId]) {
    if ids.is_empty() {
        return;
    }
    let rows = match repo::get_many(conn, ids).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "offer pushes skipped");
            return;
        }
    };
    match repo::views(conn, rows, true).await {
        Ok(views) => views.iter().for_each(|v| {
            // Offers changed as a side effect always changed state (expired, cancelled).
            entered(metrics, v.status);
            push(realtime, UPDATED, v)
        }),
        Err(e) => tracing::warn!(error = %e, "offer pushes skipped"),
    }
}

/// Cancels every offer in play where `user` is a party (their account is going), each with its
/// event; a listing reserved by an accepted one goes back on the market. Returns the offers'
/// ids, to announce after commit, and the listings reopened.
pub async fn cancel_all_of(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<(Vec<OfferId>, Vec<ListingId>)> {
    let cancelled = repo::cancel_all_of(conn, user).await?;
    let mut reopened = Vec::new();
    for o in &cancelled {
        record(conn, o, Some(user), OfferAction::Cancel.past_tense(), None).await?;
        if crate::listings::repo::reopen_reserved(conn, o.listing_id).await? {
            reopened.push(o.listing_id);
        }
    }
    Ok((cancelled.into_iter().map(|o| o.id).collect(), reopened))
}

/// A listing taken down by `by` (a moderator): its open offers expire and an accepted one is
/// cancelled, each with its event; the listing must be locked by the caller. Returns the
/// offers' ids, to announce after commit.
pub async fn end_all_of_listing(
    conn: &mut AsyncPgConnection,
    listing: ListingId,
    by: UserId,
) -> QueryResult<Vec<OfferId>> {
    let mut ended = expire_open_of_listing(conn, listing, None).await?;
    for o in repo::cancel_accepted_of_listing(conn, listing).await? {
        record(conn, &o, Some(by), OfferAction::Cancel.past_tense(), None).await?;
        ended.push(o.id);
    }
    Ok(ended)
}
