//! Offer handlers (the Offers table of API.md). Every POST here honours `Idempotency-Key`
//! through the foundation's middleware.

use super::model::*;
use super::service::*;
use crate::auth::AuthUser;
use crate::web::ask;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::{Page, PageQuery};
use crate::web::resource;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use veza_core::Code;
use veza_core::{ListingId, OfferId};

type Offers = web::Data<Addr<OfferService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/listings/{id}/offers", "POST").route(web::post().to(make_offer)))
        .service(resource("/api/v1/offers", "GET").route(web::get().to(list_offers)))
        .service(resource("/api/v1/offers/{id}", "GET").route(web::get().to(get_offer)))
        .service(resource("/api/v1/offers/{id}/counter", "POST").route(web::post().to(counter)))
        .service(resource("/api/v1/offers/{id}/accept", "POST").route(web::post().to(accept)))
        .service(resource("/api/v1/offers/{id}/decline", "POST").route(web::post().to(decline)))
        .service(resource("/api/v1/offers/{id}/withdraw", "POST").route(web::post().to(withdraw)))
        .service(resource("/api/v1/offers/{id}/confirm", "POST").route(web::post().to(confirm)))
        .service(resource("/api/v1/offers/{id}/cancel", "POST").route(web::post().to(cancel)));
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferRole {
    Buyer,
    Seller,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OfferQuery {
    /// Only offers where the caller is the buyer, or the seller; both when absent.
    pub role: Option<OfferRole>,
    pub status: Option<OfferStatus>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Make an offer on an active listing (201, `pending`: the seller's turn).
#[utoipa::path(post, path = "/api/v1/listings/{id}/offers", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the listing"), ("Idempotency-Key" = Option<String>, Header)), request_body = NewOffer,
    responses((status = 201, body = OfferView),
        (status = 403, body = Problem, description = "own_listing or blocked"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "listing_not_active or offer_exists"),
        (status = 422, body = Problem, description = "currency_mismatch or validation_failed")))]
pub async fn make_offer(
    offers: Offers,
    user: AuthUser,
    path: web::Path<ListingId>,
    body: web::Json<NewOffer>,
) -> Result<HttpResponse, ApiError> {
    let view = ask(&offers, MakeOffer { user: user.id, listing: path.into_inner(), body: body.into_inner() }).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The caller's offers (as buyer, seller or both), newest first, without their history.
#[utoipa::path(get, path = "/api/v1/offers", tag = "offers", security(("bearer" = [])), params(OfferQuery),
    responses((status = 200, body = Page<OfferView>), (status = 401, body = Problem)))]
pub async fn list_offers(offers: Offers, user: AuthUser, q: web::Query<OfferQuery>) -> Result<HttpResponse, ApiError> {
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let limit = page.limit()?;
    let before = page
        .cursor
        .as_deref()
        .map(|c| c.parse::<OfferId>().map_err(|_| ApiError::field("cursor", "not a cursor of this list")))
        .transpose()?;
    let as_buyer = q.role.map(|r| matches!(r, OfferRole::Buyer));
    let items = ask(&offers, ListOffers { user: user.id, as_buyer, status: q.status, before, limit }).await?;
    let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(|o| o.id.to_string())).flatten();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// One offer with its full history; only its buyer and seller see it (404 for anyone else).
#[utoipa::path(get, path = "/api/v1/offers/{id}", tag = "offers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = OfferView), (status = 404, body = Problem)))]
pub async fn get_offer(offers: Offers, user: AuthUser, path: web::Path<OfferId>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&offers, GetOffer { user: user.id, id: path.into_inner() }).await?))
}

async fn act(
    offers: Offers,
    user: AuthUser,
    id: OfferId,
    action: OfferAction,
    amount: Option<crate::money::Money>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&offers, Transition { user: user.id, id, action, amount }).await?))
}

/// Counter with a new amount (the party whose turn it is; the listing's currency).
#[utoipa::path(post, path = "/api/v1/offers/{id}/counter", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CounterBody,
    responses((status = 200, body = OfferView),
        (status = 403, body = Problem, description = "not_your_turn"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "invalid_transition"),
        (status = 422, body = Problem, description = "currency_mismatch or validation_failed")))]
pub async fn counter(
    offers: Offers,
    user: AuthUser,
    path: web::Path<OfferId>,
    body: web::Json<CounterBody>,
) -> Result<HttpResponse, ApiError> {
    act(offers, user, path.into_inner(), OfferAction::Counter, Some(body.into_inner().amount)).await
}

/// Accept the current proposal (the party whose turn it is): the listing is reserved and its
/// other open offers expire.
#[utoipa::path(post, path = "/api/v1/offers/{id}/accept", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = OfferView),
        (status = 403, body = Problem, description = "not_your_turn"),
        (status = 409, body = Problem, description = "invalid_transition or listing_not_active")))]
pub async fn accept(offers: Offers, user: AuthUser, path: web::Path<OfferId>) -> Result<HttpResponse, ApiError> {
    act(offers, user, path.into_inner(), OfferAction::Accept, None).await
}

/// Decline the current proposal (the party whose turn it is).
#[utoipa::path(post, path = "/api/v1/offers/{id}/decline", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = OfferView),
        (status = 403, body = Problem, description = "not_your_turn"),
        (status = 409, body = Problem, description = "invalid_transition")))]
pub async fn decline(offers: Offers, user: AuthUser, path: web::Path<OfferId>) -> Result<HttpResponse, ApiError> {
    act(offers, user, path.into_inner(), OfferAction::Decline, None).await
}

/// Withdraw one's own current proposal.
#[utoipa::path(post, path = "/api/v1/offers/{id}/withdraw", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = OfferView),
        (status = 403, body = Problem, description = "not_your_turn"),
        (status = 409, body = Problem, description = "invalid_transition")))]
pub async fn withdraw(offers: Offers, user: AuthUser, path: web::Path<OfferId>) -> Result<HttpResponse, ApiError> {
    act(offers, user, path.into_inner(), OfferAction::Withdraw, None).await
}

/// Confirm the exchange after acceptance; the second party's confirmation completes the offer
/// and marks the listing sold.
#[utoipa::path(post, path = "/api/v1/offers/{id}/confirm", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = OfferView),
        (status = 409, body = Problem, description = "invalid_transition or already_confirmed")))]
pub async fn confirm(offers: Offers, user: AuthUser, path: web::Path<OfferId>) -> Result<HttpResponse, ApiError> {
    act(offers, user, path.into_inner(), OfferAction::Confirm, None).await
}

/// Cancel an accepted offer before completion (either party): the listing is active again.
#[utoipa::path(post, path = "/api/v1/offers/{id}/cancel", tag = "offers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = OfferView),
        (status = 409, body = Problem, description = "invalid_transition")))]
pub async fn cancel(offers: Offers, user: AuthUser, path: web::Path<OfferId>) -> Result<HttpResponse, ApiError> {
    act(offers, user, path.into_inner(), OfferAction::Cancel, None).await
}

/// How offers' own failures answer over HTTP (the shared ones answer in the web kit).
impl From<OfferFault> for ApiError {
    fn from(f: OfferFault) -> Self {
        let detail = f.to_string();
        match f {
            OfferFault::NotYourTurn(_) => ApiError::coded(StatusCode::FORBIDDEN, Code::NotYourTurn, detail),
            OfferFault::InvalidTransition { .. } => {
                ApiError::coded(StatusCode::CONFLICT, Code::InvalidTransition, detail)
            }
            OfferFault::CurrencyMismatch { .. } => {
                ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, Code::CurrencyMismatch, detail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_codes() {
        let code = |e: OfferError| {
            let api: ApiError = e.into();
            (api.problem().status, api.code())
        };
        assert_eq!(code(OfferFault::NotYourTurn("accept").into()), (403, "not_your_turn"));
        assert_eq!(
            code(OfferFault::InvalidTransition { from: "declined", action: "accepted" }.into()),
            (409, "invalid_transition")
        );
        assert_eq!(code(OfferError::own_listing()), (403, "own_listing"));
        assert_eq!(code(OfferError::listing_not_active()), (409, "listing_not_active"));
        assert_eq!(code(OfferFault::CurrencyMismatch { expected: "EUR".into() }.into()), (422, "currency_mismatch"));
        assert_eq!(code(OfferError::NotFound), (404, "not_found"));
    }
}
