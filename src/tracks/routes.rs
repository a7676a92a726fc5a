//! Track handlers (the Tracks table of API.md): upload, list, get, edit, delete, stream,
//! waveform, cover.

use super::library::Listened;
use super::limits;
use super::listens::Counted;
use super::model::*;
use super::search::{TrackPage, TrackQuery};
use super::service::*;
use super::signed::{self, SignedError};
use super::spool::{SpoolError, Spooled, spool};
use super::stream;
use crate::auth::AuthUser;
use crate::auth::extract::MaybeAuthUser;
use crate::state::AppState;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::PageQuery;
use crate::web::{ask, idempotent, resource};
use actix::Addr;
use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use utoipa::ToSchema;
use veza_core::{Code, TrackId};

type Tracks = web::Data<Addr<TrackService>>;

/// A text field of the upload form is at most this long.
const FIELD_MAX_BYTES: usize = 4096;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/tracks", "GET, POST").route(web::get().to(list)).route(web::post().to(upload)))
        .service(
            resource("/api/v1/tracks/{id}", "GET, PATCH, DELETE")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete)),
        )
        .service(
            resource("/api/v1/tracks/{id}/stream", "GET, HEAD")
                .route(web::get().to(stream_audio))
                .route(web::head().to(stream_head)),
        )
        .service(resource("/api/v1/tracks/{id}/waveform", "GET").route(web::get().to(waveform)))
        .service(resource("/api/v1/tracks/{id}/cover", "GET").route(web::get().to(cover)));
}

/// The upload form (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The audio: mp3, flac, ogg/vorbis, opus, wav or m4a; decided by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Else the file's title tag, else its name.
    title: Option<String>,
    /// Repeat the field, or separate with commas.
    tags: Option<Vec<String>>,
    visibility: Option<Visibility>,
}

/// Raw bytes of a stream or an image.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BinaryBody(#[allow(dead_code)] Vec<u8>);

/// The directory uploads are spooled to.
pub fn spool_dir(state: &AppState) -> PathBuf {
    state.config.upload_spool_dir()
}

fn multipart_error(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType { expected: "multipart/form-data" },
        other => {
            ApiError::Status { status: StatusCode::BAD_REQUEST, detail: format!("malformed multipart body: {other}") }
        }
    }
}

async fn read_text(mut field: Field, name: &'static str) -> Result<String, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > FIELD_MAX_BYTES {
            return Err(ApiError::field(name, format!("at most {FIELD_MAX_BYTES} bytes")));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| ApiError::field(name, "not UTF-8 text"))
}

fn spool_error(e: SpoolError, state: &AppState) -> ApiError {
    match e {
        SpoolError::NotAudio => TrackError::from(TrackFault::UnsupportedAudio(
            "the content is not audio Veza takes (mp3, flac, ogg/vorbis, opus, wav, m4a)".into(),
        ))
        .into(),
        SpoolError::TooLarge { limit } => TrackError::from(TrackFault::UploadTooLarge { limit }).into(),
        SpoolError::OverQuota => {
            TrackError::from(TrackFault::QuotaExceeded { quota: limits::in_force(state).quota_bytes }).into()
        }
        SpoolError::Interrupted => {
            ApiError::Status { status: StatusCode::BAD_REQUEST, detail: "the upload was cut off".into() }
        }
        SpoolError::Io(e) => ApiError::Unavailable(format!("temporary storage failed: {e}")),
    }
}

/// The form, read as it streams: the file spooled (hashed, sniffed, bounded), the fields kept.
async fn read_form(
    state: &AppState,
    mut form: Multipart,
    room: u64,
) -> Result<(Spooled, Option<String>, UploadMeta), ApiError> {
    let (mut file, mut filename, mut meta) = (None, None, UploadMeta::default());
    let limit = limits::in_force(state).max_bytes;
    while let Some(field) = form.try_next().await.map_err(multipart_error)? {
        match field.name().unwrap_or_default() {
            "file" if file.is_none() => {
                filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
                file = Some(spool(&spool_dir(state), field, limit, room).await.map_err(|e| spool_error(e, state))?);
            }
            "file" => return Err(ApiError::field("file", "one file per upload")),
            "title" => meta.title = Some(read_text(field, "title").await?),
            "tags" => {
                let raw = read_text(field, "tags").await?;
                meta.tags.extend(raw.split(',').map(str::to_owned).filter(|t| !t.trim().is_empty()));
            }
            "visibility" => {
                let raw = read_text(field, "visibility").await?;
                meta.visibility = Some(
                    Visibility::parse(raw.trim()).ok_or_else(|| ApiError::field("visibility", "public or private"))?,
                );
            }
            // Fields this form does not have are read (bounded) and ignored.
            _ => {
                read_text(field, "form").await?;
            }
        }
    }
    let file = file.ok_or_else(|| ApiError::field("file", "required"))?;
    let meta = meta.validate()?;
    Ok((file, filename, meta))
}

/// What a replay of the upload must match: the file's hash and the fields.
fn request_hash(s: &Spooled, meta: &UploadMeta) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"POST /api/v1/tracks\n");
    h.update(s.sha256_hex.as_bytes());
    h.update(format!("\n{:?}\n{:?}\n{:?}", meta.title, meta.tags, meta.visibility.map(Visibility::as_str)));
    h.finalize().to_vec()
}

/// Upload a track: streamed to storage, never held whole in memory; the content decides the
/// format. The same bytes uploaded again by the same user answer 200 with the existing track.
#[utoipa::path(post, path = "/api/v1/tracks", operation_id = "upload_track", tag = "tracks", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = TrackView), (status = 200, body = TrackView, description = "the same bytes again: the existing track"),
        (status = 401, body = Problem), (status = 413, body = Problem, description = "upload_too_large or quota_exceeded"),
        (status = 415, body = Problem, description = "unsupported_audio"), (status = 422, body = Problem)))]
pub async fn upload(
    tracks: Tracks,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let result = upload_once(tracks, &state, user, req, form).await;
    // A replay of an idempotent upload was counted the first time.
    if !result.as_ref().is_ok_and(|r| r.headers().contains_key(idempotent::REPLAYED)) {
        count_upload(&state, &result);
    }
    result
}

/// Counts an upload by outcome: `ok`, `rejected` (the client's file or request, 4xx) or
/// `failed` (ours, 5xx).
pub fn count_upload(state: &AppState, result: &Result<HttpResponse, ApiError>) {
    let outcome = match result {
        Ok(_) => "ok",
        Err(e) if actix_web::ResponseError::status_code(e).is_server_error() => "failed",
        Err(_) => "rejected",
    };
    state.metrics.track_uploads.with_label_values(&[outcome]).inc();
}

async fn upload_once(
    tracks: Tracks,
    state: &AppState,
    user: AuthUser,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let key = idempotent::key_of(req.headers())?;
    let room = ask(&tracks, QuotaLeft { user: user.id }).await?;
    let (spooled, filename, meta) = read_form(state, form, room).await?;
    let hash = request_hash(&spooled, &meta);
    if let Some(key) = &key
        && let Some(replay) = idempotent::claim(state, user.id, key, &hash, "POST", req.path()).await?
    {
        return Ok(replay);
    }
    state.metrics.track_upload_bytes.inc_by(spooled.size);
    let result =
        ask(&tracks, Ingest { user: user.id, roles: user.role_names(), spooled, filename, meta, releasing: None })
            .await;
    let (status, body) = match &result {
        Ok(done) => {
            let status = if done.created { StatusCode::CREATED } else { StatusCode::OK };
            (status, serde_json::to_vec(&done.view).map_err(|e| ApiError::Internal(e.to_string()))?)
        }
        Err(e) => (actix_web::ResponseError::status_code(e), serde_json::to_vec(&e.problem()).unwrap_or_default()),
    };
    if let Some(key) = &key {
        let content_type = if status.is_success() { "application/json" } else { crate::web::PROBLEM_JSON };
        idempotent::finish(state, user.id, key, status, content_type, &body).await;
    }
    let done = result?;
    let mut res = HttpResponse::build(status);
    if done.created {
        res.insert_header((header::LOCATION, format!("/api/v1/tracks/{}", done.view.id)));
    }
    Ok(res.content_type("application/json").body(body))
}

/// Tracks anyone may see (and the caller's own private ones), filtered, one page.
#[utoipa::path(get, path = "/api/v1/tracks", operation_id = "list_tracks", tag = "tracks", security((), ("bearer" = [])), params(TrackQuery),
    responses((status = 200, body = TrackPage), (status = 422, body = Problem)))]
pub async fn list(tracks: Tracks, viewer: MaybeAuthUser, q: web::Query<TrackQuery>) -> Result<HttpResponse, ApiError> {
    let query = q.into_inner();
    let limit = PageQuery { limit: query.limit, cursor: None }.limit()?;
    let viewer = viewer.0.map(|u| u.id);
    Ok(HttpResponse::Ok().json(ask(&tracks, ListTracks { viewer, query, limit }).await?))
}

/// One track; a private one only to its owner (404 to others).
#[utoipa::path(get, path = "/api/v1/tracks/{id}", operation_id = "get_track", tag = "tracks", security((), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TrackView), (status = 404, body = Problem)))]
pub async fn get(tracks: Tracks, viewer: MaybeAuthUser, path: web::Path<TrackId>) -> Result<HttpResponse, ApiError> {
    let viewer = viewer.0.map(|u| u.id);
    Ok(HttpResponse::Ok().json(ask(&tracks, GetTrack { viewer, id: path.into_inner() }).await?))
}

/// Edit a track's title, tags or visibility (its owner).
#[utoipa::path(patch, path = "/api/v1/tracks/{id}", operation_id = "update_track", tag = "tracks", security(("bearer" = [])),
    request_body = TrackPatch, params(("id" = Uuid, Path)),
    responses((status = 200, body = TrackView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    tracks: Tracks,
    user: AuthUser,
    path: web::Path<TrackId>,
    body: web::Json<TrackPatch>,
) -> Result<HttpResponse, ApiError> {
    let m = UpdateTrack { user: user.id, roles: user.role_names(), id: path.into_inner(), patch: body.into_inner() };
    Ok(HttpResponse::Ok().json(ask(&tracks, m).await?))
}

/// Delete a track (its owner): it leaves every playlist and favourites list; its file goes
/// once no track references it.
#[utoipa::path(delete, path = "/api/v1/tracks/{id}", operation_id = "delete_track", tag = "tracks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(tracks: Tracks, user: AuthUser, path: web::Path<TrackId>) -> Result<HttpResponse, ApiError> {
    ask(&tracks, DeleteTrack { user: user.id, id: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The audio, with byte ranges: 200 whole, 206 for `Range` (several ranges as
/// `multipart/byteranges`), 416 for an impossible range, 304 for a matching `If-None-Match`.
#[utoipa::path(get, path = "/api/v1/tracks/{id}/stream", operation_id = "stream_track", tag = "tracks", security((), ("bearer" = [])),
    params(("id" = Uuid, Path), StreamQuery, ("Range" = Option<String>, Header), ("If-Range" = Option<String>, Header),
        ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "the whole file", content(
            (BinaryBody = "audio/mpeg"), (BinaryBody = "audio/flac"), (BinaryBody = "audio/ogg"),
            (BinaryBody = "audio/wav"), (BinaryBody = "audio/mp4"), (BinaryBody = "audio/aac"))),
        (status = 206, description = "the ranges asked for", content(
            (BinaryBody = "audio/mpeg"), (BinaryBody = "audio/flac"), (BinaryBody = "audio/ogg"),
            (BinaryBody = "audio/wav"), (BinaryBody = "audio/mp4"), (BinaryBody = "audio/aac"),
            (BinaryBody = "multipart/byteranges"))),
        (status = 304, description = "If-None-Match matched"),
        (status = 401, body = Problem, description = "an expired (token_expired) or invalid (token_invalid) signed link"),
        (status = 404, body = Problem),
        (status = 416, body = Problem, description = "range_not_satisfiable")))]
pub async fn stream_audio(
    tracks: Tracks,
    state: web::Data<AppState>,
    viewer: MaybeAuthUser,
    req: HttpRequest,
    path: web::Path<TrackId>,
    q: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(tracks, &state, viewer, &req, path.into_inner(), q.into_inner(), false).await
}

/// The stream's headers (length, validators) without its bytes.
#[utoipa::path(head, path = "/api/v1/tracks/{id}/stream", operation_id = "stream_head", tag = "tracks", security((), ("bearer" = [])),
    params(("id" = Uuid, Path), StreamQuery, ("Range" = Option<String>, Header)),
    responses((status = 200, description = "the whole file's headers"), (status = 206, description = "a range's headers"),
        (status = 304, description = "If-None-Match matched"), (status = 400, description = "a URL the server cannot read (a NUL)"),
        (status = 401, description = "an expired or invalid signed link"),
        (status = 404, description = "no such track"), (status = 416, description = "range_not_satisfiable")))]
pub async fn stream_head(
    tracks: Tracks,
    state: web::Data<AppState>,
    viewer: MaybeAuthUser,
    req: HttpRequest,
    path: web::Path<TrackId>,
    q: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(tracks, &state, viewer, &req, path.into_inner(), q.into_inner(), true).await
}

/// `?sig=`: a signed link from `GET .../stream-url`, instead of `Authorization`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The token of a signed stream link.
    #[param(max_length = 2048)]
    pub sig: Option<String>,
}

async fn serve(
    tracks: Tracks,
    state: &AppState,
    viewer: MaybeAuthUser,
    req: &HttpRequest,
    id: TrackId,
    q: StreamQuery,
    head: bool,
) -> Result<HttpResponse, ApiError> {
    let viewer = match q.sig.as_deref().filter(|s| !s.is_empty()) {
        Some(sig) => signed::check(&state.keys, sig, id).map_err(|e| {
            let code = if e == SignedError::Expired { Code::TokenExpired } else { Code::TokenInvalid };
            ApiError::coded(StatusCode::UNAUTHORIZED, code, e.to_string())
        })?,
        None => viewer.0.map(|u| u.id),
    };
    let found = ask(&tracks, LocateAudio { viewer, id }).await?;
    let mut res = stream::respond(req.headers(), &found.rep, found.source, head);
    private_cache(&mut res, &found.track);
    if head || !res.status().is_success() {
        return Ok(res);
    }
    // What the client is actually sent counts towards a play, when the response ends.
    let listener = match viewer {
        Some(u) => format!("user:{u}"),
        None => format!("ip:{}", client_info(req).ip.unwrap_or_default()),
    };
    let addr = tracks.get_ref().clone();
    state.metrics.track_streams.with_label_values(&[res.status().as_str()]).inc();
    let sent = state.metrics.track_stream_bytes.clone();
    let report = move |bytes| {
        sent.inc_by(bytes);
        addr.do_send(Listened { listener, user: viewer, id, bytes })
    };
    Ok(res.map_body(|_, body| BoxBody::new(Counted::new(body, report))))
}

/// A private track's bytes must not sit in shared caches.
fn private_cache(res: &mut HttpResponse, track: &super::repo::TrackRow) {
    let directive = if track.is_public() { CacheDirective::Public } else { CacheDirective::Private };
    if let Ok(v) = header::HeaderValue::from_str(&CacheControl(vec![directive, CacheDirective::NoCache]).to_string()) {
        res.headers_mut().insert(header::CACHE_CONTROL, v);
    }
}

/// Peaks for a seek bar: `[min, max, …]` pairs over the whole track, with an `ETag`.
#[utoipa::path(get, path = "/api/v1/tracks/{id}/waveform", operation_id = "track_waveform", tag = "tracks", security((), ("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = WaveformView), (status = 304, description = "If-None-Match matched"),
        (status = 404, body = Problem)))]
pub async fn waveform(
    tracks: Tracks,
    viewer: MaybeAuthUser,
    req: HttpRequest,
    path: web::Path<TrackId>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer.0.map(|u| u.id);
    let (view, etag) = ask(&tracks, GetWaveform { viewer, id: path.into_inner() }).await?;
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag)).json(view))
}

/// `?size=`: a cover scaled to fit a square of that many pixels.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverQuery {
    /// 64, 256 or 1024; absent: the cover as stored.
    #[param(minimum = 64, maximum = 1024)]
    pub size: Option<u32>,
}

/// The embedded cover art: as stored (JPEG or PNG), or scaled (`?size=64|256|1024`, never
/// enlarged); 404 when the file had none.
#[utoipa::path(get, path = "/api/v1/tracks/{id}/cover", operation_id = "track_cover", tag = "tracks", security((), ("bearer" = [])),
    params(("id" = Uuid, Path), CoverQuery, ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, description = "the image", content((BinaryBody = "image/jpeg"), (BinaryBody = "image/png"))),
        (status = 304, description = "If-None-Match matched"), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "a size other than 64, 256 or 1024")))]
pub async fn cover(
    tracks: Tracks,
    viewer: MaybeAuthUser,
    req: HttpRequest,
    path: web::Path<TrackId>,
    q: web::Query<CoverQuery>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer.0.map(|u| u.id);
    if q.size.is_some_and(|s| !super::cover::SIZES.contains(&s)) {
        return Err(ApiError::field("size", "64, 256 or 1024"));
    }
    let found = ask(&tracks, LocateCover { viewer, id: path.into_inner(), size: q.size }).await?;
    let mut res = stream::respond(req.headers(), &found.rep, found.source, false);
    private_cache(&mut res, &found.track);
    Ok(res)
}

/// How tracks' own failures answer over HTTP (the shared ones answer in the web kit).
impl From<TrackFault> for ApiError {
    fn from(f: TrackFault) -> Self {
        let detail = f.to_string();
        match f {
            TrackFault::UnsupportedAudio(_) => {
                ApiError::coded(StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedAudio, detail)
            }
            TrackFault::UploadTooLarge { .. } => {
                ApiError::coded(StatusCode::PAYLOAD_TOO_LARGE, Code::UploadTooLarge, detail)
            }
            TrackFault::QuotaExceeded { .. } => {
                ApiError::coded(StatusCode::PAYLOAD_TOO_LARGE, Code::QuotaExceeded, detail)
            }
            TrackFault::Storage(_) => ApiError::Unavailable(detail),
        }
    }
}
