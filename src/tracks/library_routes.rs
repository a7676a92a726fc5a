//! Handlers of a listener's library: favourites, history, signed stream links.

use super::library::*;
use super::model::{HistoryPage, StreamUrl};
use super::search::TrackPage;
use super::service::TrackService;
use crate::auth::AuthUser;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::PageQuery;
use crate::web::{ask, resource};
use actix::Addr;
use actix_web::{HttpResponse, web};
use veza_core::TrackId;

type Tracks = web::Data<Addr<TrackService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v1/tracks/{id}/favorite", "POST, DELETE")
            .route(web::post().to(favorite))
            .route(web::delete().to(unfavorite)),
    )
    .service(resource("/api/v1/tracks/{id}/stream-url", "GET").route(web::get().to(stream_url)))
    .service(resource("/api/v1/users/me/favorites", "GET").route(web::get().to(favorites)))
    .service(resource("/api/v1/users/me/history", "GET").route(web::get().to(history)));
}

/// Make a track one of my favourites (again is no change).
#[utoipa::path(post, path = "/api/v1/tracks/{id}/favorite", operation_id = "favorite_track", tag = "tracks",
    security(("bearer" = [])), params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn favorite(tracks: Tracks, user: AuthUser, path: web::Path<TrackId>) -> Result<HttpResponse, ApiError> {
    ask(&tracks, SetFavorite { user: user.id, id: path.into_inner(), on: true }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// No longer a favourite (one that was not is no change).
#[utoipa::path(delete, path = "/api/v1/tracks/{id}/favorite", operation_id = "unfavorite_track", tag = "tracks",
    security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn unfavorite(tracks: Tracks, user: AuthUser, path: web::Path<TrackId>) -> Result<HttpResponse, ApiError> {
    ask(&tracks, SetFavorite { user: user.id, id: path.into_inner(), on: false }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A link to the stream that needs no `Authorization` (for `<audio>`), bound to the track and
/// the caller, valid for `tracks.stream_url_ttl_secs`.
#[utoipa::path(get, path = "/api/v1/tracks/{id}/stream-url", operation_id = "track_stream_url", tag = "tracks",
    security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = StreamUrl), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn stream_url(tracks: Tracks, user: AuthUser, path: web::Path<TrackId>) -> Result<HttpResponse, ApiError> {
    let url = ask(&tracks, IssueStreamUrl { user: user.id, id: path.into_inner() }).await?;
    Ok(HttpResponse::Ok().insert_header(("cache-control", "no-store")).json(url))
}

/// My favourite tracks, newest first.
#[utoipa::path(get, path = "/api/v1/users/me/favorites", operation_id = "my_favorites", tag = "tracks",
    security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = TrackPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn favorites(tracks: Tracks, user: AuthUser, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let limit = q.limit()?;
    let m = Favorites { user: user.id, cursor: q.into_inner().cursor, limit };
    Ok(HttpResponse::Ok().json(ask(&tracks, m).await?))
}

/// What I played, newest first (a play counts once 30 s of audio were fetched).
#[utoipa::path(get, path = "/api/v1/users/me/history", operation_id = "my_history", tag = "tracks",
    security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = HistoryPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn history(tracks: Tracks, user: AuthUser, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let limit = q.limit()?;
    let m = History { user: user.id, cursor: q.into_inner().cursor, limit };
    Ok(HttpResponse::Ok().json(ask(&tracks, m).await?))
}
