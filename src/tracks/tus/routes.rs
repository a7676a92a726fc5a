//! Resumable upload handlers: API.md's JSON creation and `finish`, and the tus 1.0 protocol
//! (`Upload-Offset`, `Upload-Length`, `Upload-Metadata`, `Upload-Expires`, `Tus-Resumable`).

use super::model::*;
use super::service::*;
use crate::auth::AuthUser;
use crate::state::AppState;
use crate::tracks::model::{TrackView, UploadMeta};
use crate::tracks::routes::{count_upload, spool_dir};
use crate::tracks::service::{Ingest, TrackService};
use crate::tracks::spool::{SpoolError, spool_chunk};
use crate::web::error::{ApiError, Problem};
use crate::web::{ask, resource};
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use veza_core::{Code, UploadId};

type Uploads = web::Data<Addr<UploadService>>;
type Tracks = web::Data<Addr<TrackService>>;

pub const TUS_VERSION: &str = "1.0.0";
pub const OFFSET_STREAM: &str = "application/offset+octet-stream";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/uploads", "POST").route(web::post().to(create)))
        .service(
            resource("/api/v1/uploads/{id}", "HEAD, PATCH, DELETE")
                .route(web::head().to(offset))
                .route(web::patch().to(append))
                .route(web::delete().to(terminate)),
        )
        .service(resource("/api/v1/uploads/{id}/finish", "POST").route(web::post().to(finish)));
}

fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The tus headers every answer about an upload carries.
fn tus(res: &mut actix_web::HttpResponseBuilder, v: &UploadView) {
    res.insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header(("Upload-Offset", v.offset.to_string()))
        .insert_header(("Upload-Length", v.size.to_string()))
        .insert_header(("Upload-Expires", http_date(v.expires_at)))
        .insert_header((header::CACHE_CONTROL, "no-store"));
}

/// A tus creation: `Upload-Length` and `filename` in `Upload-Metadata` (base64 values).
fn from_tus_headers(h: &HeaderMap) -> Result<NewUpload, ApiError> {
    let size = h
        .get("upload-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| ApiError::field("size", "a JSON body {size, filename}, or an Upload-Length header"))?;
    let meta = h.get("upload-metadata").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let value = |key: &str| {
        meta.split(',').filter_map(|pair| pair.trim().split_once(' ')).find(|(k, _)| *k == key).and_then(|(_, v)| {
            base64::engine::general_purpose::STANDARD.decode(v.trim()).ok().and_then(|b| String::from_utf8(b).ok())
        })
    };
    Ok(NewUpload { size, filename: value("filename").unwrap_or_else(|| "upload".into()), sha256: value("sha256") })
}

/// Start a resumable upload: `{size, filename, sha256?}` (or tus's `Upload-Length` and
/// `Upload-Metadata` with an empty body). Counts against the quota until it finishes or expires.
#[utoipa::path(post, path = "/api/v1/uploads", operation_id = "create_upload", tag = "tracks", security(("bearer" = [])),
    request_body = NewUpload, params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = UploadView), (status = 401, body = Problem),
        (status = 413, body = Problem, description = "upload_too_large or quota_exceeded"), (status = 422, body = Problem)))]
pub async fn create(
    uploads: Uploads,
    user: AuthUser,
    req: HttpRequest,
    raw: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body = if raw.iter().all(u8::is_ascii_whitespace) {
        from_tus_headers(req.headers())?
    } else {
        serde_json::from_slice::<NewUpload>(&raw).map_err(|e| ApiError::InvalidJson(e.to_string()))?
    };
    let v = ask(&uploads, CreateUpload { user: user.id, body }).await?;
    let mut res = HttpResponse::Created();
    tus(&mut res, &v);
    res.insert_header((header::LOCATION, format!("/api/v1/uploads/{}", v.id)));
    Ok(res.json(v))
}

/// How many bytes the server holds (`Upload-Offset`): where to resume.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", operation_id = "upload_offset", tag = "tracks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "Upload-Offset, Upload-Length, Upload-Expires"),
        (status = 400, description = "a URL the server cannot read (a NUL)"), (status = 401, description = "no token"),
        (status = 404, description = "no such upload"), (status = 410, description = "upload_expired")))]
pub async fn offset(uploads: Uploads, user: AuthUser, path: web::Path<UploadId>) -> Result<HttpResponse, ApiError> {
    let v = ask(&uploads, UploadStatus { user: user.id, id: path.into_inner() }).await?;
    let mut res = HttpResponse::Ok();
    tus(&mut res, &v);
    Ok(res.finish())
}

/// The next bytes, from `Upload-Offset` (the server's offset, else 409 `offset_mismatch`), as
/// `application/offset+octet-stream`. A chunk cut off mid-way keeps what arrived.
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", operation_id = "append_upload", tag = "tracks", security(("bearer" = [])),
    request_body(content = crate::tracks::routes::BinaryBody, content_type = "application/offset+octet-stream"),
    params(("id" = Uuid, Path), ("Upload-Offset" = i64, Header, description = "where these bytes start")),
    responses((status = 204, description = "stored; Upload-Offset is the new offset"), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "offset_mismatch"),
        (status = 410, body = Problem, description = "upload_expired"),
        (status = 413, body = Problem, description = "upload_too_large: past the announced size"),
        (status = 415, body = Problem, description = "not offset+octet-stream, or unsupported_audio"),
        (status = 422, body = Problem)))]
pub async fn append(
    uploads: Uploads,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<UploadId>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !ct.trim().eq_ignore_ascii_case(OFFSET_STREAM) {
        return Err(UploadError::from(UploadFault::ChunkType).into());
    }
    let offset = req
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|o| *o >= 0)
        .ok_or_else(|| ApiError::field("Upload-Offset", "the byte this chunk starts at"))?;
    // Checked before reading the body: a chunk for the wrong place is not spooled at all.
    let now = ask(&uploads, UploadStatus { user: user.id, id }).await?;
    if offset != now.offset {
        return Err(UploadError::from(UploadFault::OffsetMismatch { server: now.offset }).into());
    }
    let room = u64::try_from(now.size - now.offset).unwrap_or(0);
    let chunk = spool_chunk(&spool_dir(&state), payload, room).await.map_err(|e| match e {
        SpoolError::TooLarge { limit } => ApiError::coded(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::UploadTooLarge,
            format!("this chunk goes past the announced size ({limit} bytes left)"),
        ),
        other => ApiError::Unavailable(format!("temporary storage failed: {other}")),
    })?;
    let v = ask(&uploads, AppendChunk { user: user.id, id, offset, chunk }).await?;
    let mut res = HttpResponse::NoContent();
    tus(&mut res, &v);
    Ok(res.finish())
}

/// Abandon an upload: its bytes go, its quota comes back.
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", operation_id = "delete_upload", tag = "tracks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn terminate(uploads: Uploads, user: AuthUser, path: web::Path<UploadId>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    match ask(&uploads, UploadStatus { user: user.id, id }).await {
        Ok(_) | Err(ApiError::Coded { code: Code::UploadExpired, .. }) => {}
        Err(e) => return Err(e),
    }
    ask(&uploads, DiscardUpload { user: user.id, id }).await?;
    Ok(HttpResponse::NoContent().insert_header(("Tus-Resumable", TUS_VERSION)).finish())
}

/// Make the track: every byte must have arrived; the same checks as a direct upload.
#[utoipa::path(post, path = "/api/v1/uploads/{id}/finish", operation_id = "finish_upload", tag = "tracks",
    security(("bearer" = [])), request_body = UploadMeta, params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = TrackView), (status = 200, body = TrackView, description = "the same bytes again: the existing track"),
        (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "upload_incomplete"), (status = 410, body = Problem, description = "upload_expired"),
        (status = 413, body = Problem, description = "quota_exceeded"), (status = 415, body = Problem, description = "unsupported_audio"),
        (status = 422, body = Problem, description = "checksum_mismatch, or a field")))]
pub async fn finish(
    uploads: Uploads,
    tracks: Tracks,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<UploadId>,
    body: web::Json<UploadMeta>,
) -> Result<HttpResponse, ApiError> {
    let result = finish_once(uploads, tracks, &state, user, path.into_inner(), body.into_inner()).await;
    count_upload(&state, &result);
    result
}

async fn finish_once(
    uploads: Uploads,
    tracks: Tracks,
    state: &AppState,
    user: AuthUser,
    id: UploadId,
    body: UploadMeta,
) -> Result<HttpResponse, ApiError> {
    let meta = body.validate()?;
    let (spooled, filename) = ask(&uploads, AssembleUpload { user: user.id, id, spool_dir: spool_dir(state) }).await?;
    state.metrics.track_upload_bytes.inc_by(spooled.size);
    let done = ask(
        &tracks,
        Ingest {
            user: user.id,
            roles: user.role_names(),
            spooled,
            filename: Some(filename),
            meta,
            releasing: Some(id),
        },
    )
    .await?;
    // The row went with the track's transaction; the parts go now (the sweeper would later).
    if let Err(e) = ask(&uploads, DiscardUpload { user: user.id, id }).await {
        tracing::warn!(error = %e, upload = %id, "upload parts left for the sweeper");
    }
    let status = if done.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(done.view))
}

/// How resumable uploads' own failures answer over HTTP.
impl From<UploadFault> for ApiError {
    fn from(f: UploadFault) -> Self {
        let detail = f.to_string();
        let (status, code) = match f {
            UploadFault::OffsetMismatch { .. } => (StatusCode::CONFLICT, Code::OffsetMismatch),
            UploadFault::Expired => (StatusCode::GONE, Code::UploadExpired),
            UploadFault::Incomplete { .. } => (StatusCode::CONFLICT, Code::UploadIncomplete),
            UploadFault::ChecksumMismatch => (StatusCode::UNPROCESSABLE_ENTITY, Code::ChecksumMismatch),
            UploadFault::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, Code::UploadTooLarge),
            UploadFault::QuotaExceeded { .. } => (StatusCode::PAYLOAD_TOO_LARGE, Code::QuotaExceeded),
            UploadFault::NotAudio => (StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedAudio),
            UploadFault::ChunkType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedMediaType),
            UploadFault::Storage(_) => return ApiError::Unavailable(detail),
        };
        ApiError::coded(status, code, detail)
    }
}
