//! Listing handlers (the Listings table of API.md).

use super::model::*;
use super::query::ListingQuery;
use super::service::*;
use crate::auth::AuthUser;
use crate::auth::extract::MaybeAuthUser;
use crate::web::ask;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::PageQuery;
use crate::web::resource;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use veza_core::Code;
use veza_core::ListingId;

type Listings = web::Data<Addr<ListingService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/listings", "GET, POST").route(web::get().to(search)).route(web::post().to(create)))
        .service(
            resource("/api/v1/listings/{id}", "GET, PATCH, DELETE")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete)),
        )
        .service(resource("/api/v1/listings/{id}/publish", "POST").route(web::post().to(publish)))
        .service(resource("/api/v1/listings/{id}/archive", "POST").route(web::post().to(archive)))
        .service(resource("/api/v1/listings/{id}/reactivate", "POST").route(web::post().to(reactivate)));
}

/// Listings matching the filters, one page, with facets of the whole filtered set on the first page.
#[utoipa::path(get, path = "/api/v1/listings", tag = "listings", security((), ("bearer" = [])), params(ListingQuery),
    responses((status = 200, body = ListingPage), (status = 422, body = Problem)))]
pub async fn search(
    listings: Listings,
    viewer: MaybeAuthUser,
    q: web::Query<ListingQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = q.into_inner();
    let limit = PageQuery { limit: query.limit, cursor: None }.limit()?;
    let viewer = viewer.0.map(|u| u.id);
    Ok(HttpResponse::Ok().json(ask(&listings, SearchListings { viewer, query, limit }).await?))
}

/// Create a listing: a `draft`, or `active` at once with `publish: true`.
#[utoipa::path(post, path = "/api/v1/listings", operation_id = "create_listing", tag = "listings", security(("bearer" = [])), request_body = NewListing,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = ListingView), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create(listings: Listings, user: AuthUser, body: web::Json<NewListing>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(
        ask(&listings, CreateListing { user: user.id, roles: user.role_names(), body: body.into_inner() }).await?,
    ))
}

/// One listing; a draft only to its seller.
#[utoipa::path(get, path = "/api/v1/listings/{id}", tag = "listings", security((), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ListingView), (status = 404, body = Problem)))]
pub async fn get(
    listings: Listings,
    viewer: MaybeAuthUser,
    path: web::Path<ListingId>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer.0.map(|u| u.id);
    Ok(HttpResponse::Ok().json(ask(&listings, GetListing { viewer, id: path.into_inner() }).await?))
}

/// Edit a listing (its seller; not once sold; the currency is fixed while active or reserved).
#[utoipa::path(patch, path = "/api/v1/listings/{id}", operation_id = "update_listing", tag = "listings", security(("bearer" = [])), request_body = ListingPatch,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ListingView), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "listing_sold or currency_locked"),
        (status = 422, body = Problem)))]
pub async fn update(
    listings: Listings,
    user: AuthUser,
    path: web::Path<ListingId>,
    body: web::Json<ListingPatch>,
) -> Result<HttpResponse, ApiError> {
    let m = UpdateListing { user: user.id, roles: user.role_names(), id: path.into_inner(), patch: body.into_inner() };
    Ok(HttpResponse::Ok().json(ask(&listings, m).await?))
}

/// Delete a listing (its seller; not while reserved or once sold); its open offers expire.
#[utoipa::path(delete, path = "/api/v1/listings/{id}", operation_id = "delete_listing", tag = "listings", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "listing_has_accepted_offer")))]
pub async fn delete(listings: Listings, user: AuthUser, path: web::Path<ListingId>) -> Result<HttpResponse, ApiError> {
    ask(&listings, DeleteListing { user: user.id, id: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn change(
    listings: Listings,
    user: AuthUser,
    id: ListingId,
    action: ListingAction,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&listings, ChangeStatus { user: user.id, id, action }).await?))
}

/// `draft -> active`.
#[utoipa::path(post, path = "/api/v1/listings/{id}/publish", tag = "listings", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ListingView), (status = 403, body = Problem, description = "not the seller"),
        (status = 409, body = Problem, description = "invalid_transition")))]
pub async fn publish(listings: Listings, user: AuthUser, path: web::Path<ListingId>) -> Result<HttpResponse, ApiError> {
    change(listings, user, path.into_inner(), ListingAction::Publish).await
}

/// `active -> archived`; the listing's open offers expire.
#[utoipa::path(post, path = "/api/v1/listings/{id}/archive", tag = "listings", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ListingView), (status = 403, body = Problem, description = "not the seller"),
        (status = 409, body = Problem, description = "invalid_transition")))]
pub async fn archive(listings: Listings, user: AuthUser, path: web::Path<ListingId>) -> Result<HttpResponse, ApiError> {
    change(listings, user, path.into_inner(), ListingAction::Archive).await
}

/// `archived -> active`.
#[utoipa::path(post, path = "/api/v1/listings/{id}/reactivate", tag = "listings", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ListingView), (status = 403, body = Problem, description = "not the seller"),
        (status = 409, body = Problem, description = "invalid_transition")))]
pub async fn reactivate(
    listings: Listings,
    user: AuthUser,
    path: web::Path<ListingId>,
) -> Result<HttpResponse, ApiError> {
    change(listings, user, path.into_inner(), ListingAction::Reactivate).await
}

/// How listings' own failures answer over HTTP (the shared ones answer in the web kit).
impl From<ListingFault> for ApiError {
    fn from(f: ListingFault) -> Self {
        let detail = f.to_string();
        match f {
            ListingFault::InvalidTransition { .. } => {
                ApiError::coded(StatusCode::CONFLICT, Code::InvalidTransition, detail)
            }
            ListingFault::Busy => ApiError::Unavailable(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listings::model::{ListingAction::Archive, ListingStatus::Sold, transition};

    #[test]
    fn illegal_transitions_are_409_invalid_transition() {
        let e: ApiError = transition(Sold, Archive).err().map(Into::into).unwrap_or(ApiError::NotFound);
        assert_eq!((e.problem().status, e.code()), (409, "invalid_transition"));
        assert!(e.to_string().contains("sold"), "{e}");
    }

    #[test]
    fn a_busy_index_is_503_unavailable() {
        let e: ApiError = ListingFault::Busy.into();
        assert_eq!((e.problem().status, e.code()), (503, "unavailable"));
    }
}
