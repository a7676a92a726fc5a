//! Playlist handlers (the Playlists rows of API.md). Answers carry the version as `ETag`;
//! PATCH and `PUT .../order` require `If-Match` with it.

use super::model::*;
use super::service::*;
use crate::auth::AuthUser;
use crate::auth::extract::MaybeAuthUser;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::PageQuery;
use crate::web::{ask, resource};
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use veza_core::{Code, PlaylistId, TrackId};

type Playlists = web::Data<Addr<PlaylistService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/users/me/playlists", "GET").route(web::get().to(mine)))
        .service(resource("/api/v1/playlists", "POST").route(web::post().to(create)))
        .service(
            resource("/api/v1/playlists/{id}", "GET, PATCH, DELETE")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete)),
        )
        .service(resource("/api/v1/playlists/{id}/tracks", "POST").route(web::post().to(add_track)))
        .service(resource("/api/v1/playlists/{id}/tracks/{track_id}", "DELETE").route(web::delete().to(remove_track)))
        .service(resource("/api/v1/playlists/{id}/order", "PUT").route(web::put().to(reorder)));
}

fn with_etag(status: StatusCode, view: &PlaylistView) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, view.etag())).json(view)
}

/// The `If-Match` value; an empty header is no header (some clients send it so).
fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty())
}

async fn change(
    playlists: Playlists,
    user: AuthUser,
    req: &HttpRequest,
    id: PlaylistId,
    change: Change,
) -> Result<HttpResponse, ApiError> {
    let m = ChangePlaylist { user: user.id, id, if_match: if_match(req), change };
    Ok(with_etag(StatusCode::OK, &ask(&playlists, m).await?))
}

/// My playlists, newest first, without their tracks (hidden ones included: still mine).
#[utoipa::path(get, path = "/api/v1/users/me/playlists", operation_id = "my_playlists", tag = "playlists",
    security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = PlaylistSummaryPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn mine(playlists: Playlists, user: AuthUser, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let m = MyPlaylists { user: user.id, before: q.uuid_cursor()?.map(PlaylistId), limit: q.limit()? };
    Ok(HttpResponse::Ok().json(ask(&playlists, m).await?))
}

/// Create a playlist (private unless `public`).
#[utoipa::path(post, path = "/api/v1/playlists", operation_id = "create_playlist", tag = "playlists",
    security(("bearer" = [])), request_body = NewPlaylist, params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = PlaylistView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    playlists: Playlists,
    user: AuthUser,
    body: web::Json<NewPlaylist>,
) -> Result<HttpResponse, ApiError> {
    let view = ask(&playlists, CreatePlaylist { user: user.id, body: body.into_inner() }).await?;
    let mut res = with_etag(StatusCode::CREATED, &view);
    if let Ok(v) = header::HeaderValue::from_str(&format!("/api/v1/playlists/{}", view.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// A playlist with its tracks in order; a private playlist only to its owner, a private track
/// only to its own owner.
#[utoipa::path(get, path = "/api/v1/playlists/{id}", operation_id = "get_playlist", tag = "playlists",
    security((), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = PlaylistView), (status = 404, body = Problem)))]
pub async fn get(
    playlists: Playlists,
    viewer: MaybeAuthUser,
    path: web::Path<PlaylistId>,
) -> Result<HttpResponse, ApiError> {
    let view = ask(&playlists, GetPlaylist { viewer: viewer.0.map(|u| u.id), id: path.into_inner() }).await?;
    Ok(with_etag(StatusCode::OK, &view))
}

/// Rename, or change visibility; `If-Match` with the playlist's ETag is required.
#[utoipa::path(patch, path = "/api/v1/playlists/{id}", operation_id = "update_playlist", tag = "playlists",
    security(("bearer" = [])), request_body = PlaylistPatch,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "the ETag the change was made against")),
    responses((status = 200, body = PlaylistView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem, description = "playlist_changed"),
        (status = 422, body = Problem), (status = 428, body = Problem, description = "precondition_required")))]
pub async fn update(
    playlists: Playlists,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<PlaylistId>,
    body: web::Json<PlaylistPatch>,
) -> Result<HttpResponse, ApiError> {
    change(playlists, user, &req, path.into_inner(), Change::Edit(body.into_inner())).await
}

/// Delete a playlist (its owner).
#[utoipa::path(delete, path = "/api/v1/playlists/{id}", operation_id = "delete_playlist", tag = "playlists",
    security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    playlists: Playlists,
    user: AuthUser,
    path: web::Path<PlaylistId>,
) -> Result<HttpResponse, ApiError> {
    ask(&playlists, DeletePlaylist { user: user.id, id: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a track at a position (last by default); `If-Match` is checked when sent.
#[utoipa::path(post, path = "/api/v1/playlists/{id}/tracks", operation_id = "add_playlist_track", tag = "playlists",
    security(("bearer" = [])), request_body = AddTrack,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = PlaylistView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "track_in_playlist or playlist_full"),
        (status = 412, body = Problem, description = "playlist_changed"), (status = 422, body = Problem)))]
pub async fn add_track(
    playlists: Playlists,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<PlaylistId>,
    body: web::Json<AddTrack>,
) -> Result<HttpResponse, ApiError> {
    change(playlists, user, &req, path.into_inner(), Change::Add(body.into_inner())).await
}

/// Take a track out; `If-Match` is checked when sent.
#[utoipa::path(delete, path = "/api/v1/playlists/{id}/tracks/{track_id}", operation_id = "remove_playlist_track",
    tag = "playlists", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("track_id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = PlaylistView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem, description = "playlist_changed")))]
pub async fn remove_track(
    playlists: Playlists,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<(PlaylistId, TrackId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, track) = path.into_inner();
    change(playlists, user, &req, id, Change::Remove(track)).await
}

/// The whole new order: every current track exactly once (409 `order_mismatch` otherwise);
/// `If-Match` required.
#[utoipa::path(put, path = "/api/v1/playlists/{id}/order", operation_id = "reorder_playlist", tag = "playlists",
    security(("bearer" = [])), request_body = NewOrder,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "the ETag the order was made against")),
    responses((status = 200, body = PlaylistView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "order_mismatch"),
        (status = 412, body = Problem, description = "playlist_changed"),
        (status = 428, body = Problem, description = "precondition_required")))]
pub async fn reorder(
    playlists: Playlists,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<PlaylistId>,
    body: web::Json<NewOrder>,
) -> Result<HttpResponse, ApiError> {
    change(playlists, user, &req, path.into_inner(), Change::Order(body.into_inner())).await
}

/// How playlists' own failures answer over HTTP.
impl From<PlaylistFault> for ApiError {
    fn from(f: PlaylistFault) -> Self {
        let detail = f.to_string();
        match f {
            PlaylistFault::PreconditionRequired => {
                ApiError::coded(StatusCode::PRECONDITION_REQUIRED, Code::PreconditionRequired, detail)
            }
            PlaylistFault::Changed { .. } => {
                ApiError::coded(StatusCode::PRECONDITION_FAILED, Code::PlaylistChanged, detail)
            }
        }
    }
}
