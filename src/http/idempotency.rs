//! `Idempotency-Key` for every authenticated mutating POST (not on the auth endpoints that
//! issue tokens): the first answer is stored for 24 h, scoped to the user, and replayed with
//! `Idempotency-Replayed: true`; the same key with another body is 422
//! `idempotency_key_reused`; a duplicate while the first still runs is 409
//! `idempotency_in_progress`; 5xx and 429 answers are not stored, so they may be retried.

use super::body;
use crate::auth::extract::{authenticate, bearer};
use crate::db::idempotency as store;
use crate::state::AppState;
use crate::web::error::ApiError;
use crate::web::idempotent::{self, answer_existing};
use actix_web::body::{MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use sha2::{Digest, Sha256};
use veza_core::UserId;

pub use crate::web::idempotent::{IDEMPOTENCY_KEY, REPLAYED};

/// Routes whose bodies are streamed (uploads): they claim the key themselves, with the hash
/// they compute while streaming (`web::idempotent`), so nothing here buffers them.
pub const STREAMED: &[&str] = &["/api/v1/tracks"];

/// Endpoints that hand out tokens: a replayed answer would hand the same tokens to whoever
/// holds the key, so they are never idempotent-replayed.
pub const EXCLUDED: &[&str] = &[
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/magic-link/verify",
    "/api/v1/auth/oauth/exchange",
];

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // An empty key is no key: some clients send the header empty rather than leave it out.
    let keyed = req.headers().get(&IDEMPOTENCY_KEY).is_some_and(|v| !v.is_empty());
    let applies =
        req.method() == Method::POST && !EXCLUDED.contains(&req.path()) && !STREAMED.contains(&req.path()) && keyed;
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (true, Some(state)) = (applies, state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Only authenticated requests; anything else goes on and gets its 401 from the handler.
    let token = bearer(req.request()).map(str::to_owned);
    let user = match token {
        Some(t) => authenticate(&state, &t).await.ok(),
        None => None,
    };
    let Some(user) = user else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Checked once the caller is known: without a token the answer is the handler's 401.
    // The document's pattern for the header (`openapi_replies::IDEMPOTENCY_KEY_PATTERN`), on
    // the raw bytes: a key that is not ASCII text must be refused, not read as no key.
    let key = match idempotent::key_of(req.headers()) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => return Ok(req.into_response(e.error_response()).map_into_boxed_body()),
    };
    let user_id = user.id;
    req.extensions_mut().insert(user);

    // The body decides whether a replay is of the same request: read it, hash it, put it back.
    let limit = state.config.server.body_limit_bytes;
    let Ok(body) = body::buffer(&mut req, limit).await? else {
        let res = ApiError::PayloadTooLarge { limit }.error_response();
        return Ok(req.into_response(res).map_into_boxed_body());
    };
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.uri().to_string());
    hasher.update(b"\n");
    hasher.update(&body);
    let hash = hasher.finalize().to_vec();
    let Ok(mut conn) = state.pool.get().await else {
        let res = ApiError::Unavailable("database unavailable".into()).error_response();
        return Ok(req.into_response(res).map_into_boxed_body());
    };
    match store::claim(&mut conn, user_id, &key, &hash, req.method().as_str(), req.path()).await {
        Ok(None) => {}
        Ok(Some(stored)) => {
            let res = answer_existing(stored, &hash);
            return Ok(req.into_response(res).map_into_boxed_body());
        }
        Err(e) => {
            let res = ApiError::Internal(e.to_string()).error_response();
            return Ok(req.into_response(res).map_into_boxed_body());
        }
    }
    drop(conn);

    // We own the key: run the request once, then store (or release) its answer.
    let res = next.call(req).await;
    let res = match res {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            release(&state, user_id, &key).await;
            return Err(e);
        }
    };
    let status = res.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        release(&state, user_id, &key).await;
        return Ok(res);
    }
    let (http_req, response) = res.into_parts();
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (head, body) = response.into_parts();
    let bytes = match to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            release(&state, user_id, &key).await;
            let res = ApiError::Internal("response body unreadable".into()).error_response();
            return Ok(ServiceResponse::new(http_req, res));
        }
    };
    if let Ok(mut conn) = state.pool.get().await {
        let done = store::complete(&mut conn, user_id, &key, status.as_u16() as i16, content_type, &bytes).await;
        if let Err(e) = done {
            tracing::error!(error = %e, "idempotency: answer not stored");
        }
    }
    Ok(ServiceResponse::new(http_req, head.set_body(bytes).map_into_boxed_body()))
}

/// Frees the key after an answer that must not be replayed.
async fn release(state: &AppState, user: UserId, key: &str) {
    if let Ok(mut conn) = state.pool.get().await {
        let _ = store::release(&mut conn, user, key).await;
    }
}
