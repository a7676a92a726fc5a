//! Search handlers (the Search table of API.md).

use super::model::*;
use super::service::*;
use crate::auth::AuthUser;
use crate::auth::extract::MaybeAuthUser;
use crate::auth::model::Role;
use crate::web::ask;
use crate::web::client::ClientIp;
use crate::web::error::{ApiError, Problem};
use crate::web::resource;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use veza_core::Code;

type Searches = web::Data<Addr<SearchService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/search", "GET").route(web::get().to(search)))
        .service(resource("/api/v1/search/suggest", "GET").route(web::get().to(suggest)))
        .service(resource("/api/v1/search/popular", "GET").route(web::get().to(popular)))
        .service(resource("/api/v1/admin/search/zero-results", "GET").route(web::get().to(zero_results)));
}

/// Who counts as one searcher: the user, or (anonymous) a hash of the address, never the
/// address itself.
fn searcher(req: &HttpRequest, viewer: Option<&AuthUser>) -> String {
    match viewer {
        Some(u) => u.id.to_string(),
        None => {
            let ip = req.extensions().get::<ClientIp>().map(|c| c.0.to_string()).unwrap_or_default();
            let digest = Sha256::digest(format!("veza-search:{ip}"));
            format!("anon:{}", hex::encode(&digest[..12]))
        }
    }
}

/// Ranked results per type with highlights and counts; drafts, private tracks and private
/// rooms only to those who may see them, users blocked either way hidden.
#[utoipa::path(get, path = "/api/v1/search", operation_id = "search_all", tag = "search", security((), ("bearer" = [])), params(SearchParams),
    responses((status = 200, body = SearchPage),
        (status = 422, body = Problem, description = "query_empty, query_too_long, query_too_many_terms, unknown_type, cursor_invalid or validation_failed (limit)")))]
pub async fn search(
    searches: Searches,
    req: HttpRequest,
    viewer: MaybeAuthUser,
    q: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let who = searcher(&req, viewer.0.as_ref());
    let m = Search { viewer: viewer.0.map(|u| u.id), searcher: who, params: q.into_inner() };
    Ok(HttpResponse::Ok().json(ask(&searches, m).await?))
}

/// Up to 10 completions of what is typed: popular queries, then titles and names.
#[utoipa::path(get, path = "/api/v1/search/suggest", operation_id = "suggest", tag = "search", security((), ("bearer" = [])), params(SuggestParams),
    responses((status = 200, body = Suggestions),
        (status = 422, body = Problem, description = "query_too_short, query_too_long, query_too_many_terms or query_empty")))]
pub async fn suggest(
    searches: Searches,
    viewer: MaybeAuthUser,
    q: web::Query<SuggestParams>,
) -> Result<HttpResponse, ApiError> {
    let m = Suggest { viewer: viewer.0.map(|u| u.id), q: q.into_inner().q };
    Ok(HttpResponse::Ok().json(ask(&searches, m).await?))
}

/// The most searched queries of the window, once enough distinct users searched them.
#[utoipa::path(get, path = "/api/v1/search/popular", operation_id = "popular_queries", tag = "search", security((), ("bearer" = [])), params(WindowParams),
    responses((status = 200, body = PopularQueries), (status = 422, body = Problem)))]
pub async fn popular(searches: Searches, q: web::Query<WindowParams>) -> Result<HttpResponse, ApiError> {
    let window = q.into_inner().window.unwrap_or_default();
    Ok(HttpResponse::Ok().json(ask(&searches, Popular(window)).await?))
}

/// Moderators: queries that found nothing in the window.
#[utoipa::path(get, path = "/api/v1/admin/search/zero-results", operation_id = "zero_result_queries", tag = "search", security(("bearer" = [])), params(WindowParams),
    responses((status = 200, body = ZeroResultQueries), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn zero_results(
    searches: Searches,
    user: AuthUser,
    q: web::Query<WindowParams>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Moderator)?;
    let window = q.into_inner().window.unwrap_or_default();
    Ok(HttpResponse::Ok().json(ask(&searches, ZeroResults(window)).await?))
}

/// How search's own failures answer over HTTP.
impl From<SearchFault> for ApiError {
    fn from(f: SearchFault) -> Self {
        let detail = f.to_string();
        let code = match &f {
            SearchFault::Query(super::query::QueryError::Empty) => Code::QueryEmpty,
            SearchFault::Query(super::query::QueryError::TooLong(_)) => Code::QueryTooLong,
            SearchFault::Query(super::query::QueryError::TooManyTerms(_)) => Code::QueryTooManyTerms,
            SearchFault::TooShort => Code::QueryTooShort,
            SearchFault::UnknownType(_) => Code::UnknownType,
            SearchFault::Cursor(_) => Code::CursorInvalid,
            SearchFault::Index(_) => return ApiError::Internal(detail),
        };
        ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }
}
