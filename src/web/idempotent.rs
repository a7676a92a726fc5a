//! `Idempotency-Key` for routes whose bodies are streamed (uploads): the middleware cannot
//! read such a body to hash it, so the route claims the key itself once the body is spooled,
//! with the hash it computed while streaming. The stored answer and its replay are the
//! middleware's (`http::idempotency`): same key and request -> the first answer again.

use super::error::ApiError;
use crate::db::idempotency::{self as store, Stored};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use veza_core::{Code, UserId};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// The key of a request: none (absent or empty), or printable ASCII up to 255 bytes (422 else).
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(raw) = headers.get(&IDEMPOTENCY_KEY).map(HeaderValue::as_bytes).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let printable = |b: &u8| *b == b'\t' || (b' '..=b'~').contains(b);
    if raw.len() <= 255 && raw.iter().all(printable) {
        Ok(Some(String::from_utf8_lossy(raw).into_owned()))
    } else {
        Err(ApiError::field("Idempotency-Key", "at most 255 printable ASCII characters"))
    }
}

/// The answer a key already holds: a replay, 422 for another request, 409 while it runs.
pub fn answer_existing(stored: Stored, hash: &[u8]) -> HttpResponse {
    if stored.request_hash != hash {
        return ApiError::coded(
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::IdempotencyKeyReused,
            "this Idempotency-Key was used with another request",
        )
        .error_response();
    }
    let (Some(status), Some(_)) = (stored.status, stored.completed_at) else {
        return ApiError::coded(
            StatusCode::CONFLICT,
            Code::IdempotencyInProgress,
            "the first request with this key is still running",
        )
        .error_response();
    };
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    if let Some(ct) = stored.content_type {
        res.insert_header((CONTENT_TYPE, ct));
    }
    res.insert_header((REPLAYED, HeaderValue::from_static("true")));
    res.body(stored.body.unwrap_or_default())
}

/// Claims `key` for this request (`Ok(None)`), or the answer it already holds.
pub async fn claim(
    state: &AppState,
    user: UserId,
    key: &str,
    hash: &[u8],
    method: &str,
    path: &str,
) -> Result<Option<HttpResponse>, ApiError> {
    let mut conn = state.pool.get().await.map_err(|_| ApiError::Unavailable("database unavailable".into()))?;
    match store::claim(&mut conn, user, key, hash, method, path).await {
        Ok(None) => Ok(None),
        Ok(Some(stored)) => Ok(Some(answer_existing(stored, hash))),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// Stores the answer under the claimed key (or frees the key for answers not to replay).
pub async fn finish(state: &AppState, user: UserId, key: &str, status: StatusCode, content_type: &str, body: &[u8]) {
    let Ok(mut conn) = state.pool.get().await else { return };
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        let _ = store::release(&mut conn, user, key).await;
        return;
    }
    let done = store::complete(&mut conn, user, key, status.as_u16() as i16, Some(content_type.to_owned()), body).await;
    if let Err(e) = done {
        tracing::error!(error = %e, "idempotency: answer not stored");
    }
}
