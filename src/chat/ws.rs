//! `GET /ws`: the token is checked before the upgrade (401 problem+json, no upgrade); then one
//! `WsSession` actor serves the connection.

use crate::auth::extract::{authenticate, bearer};
use crate::auth::model::AuthFault;
use crate::state::AppState;
use crate::web::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_actors::ws;
use serde::Deserialize;
use veza_actors::protocol::{Encoding, MAX_FRAME_BYTES, UserRef};
use veza_actors::session::WsSession;
use veza_core::Code;

#[derive(Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// Upgrade to a WebSocket (`?token=` or `Authorization: Bearer`).
#[utoipa::path(get, path = "/ws", tag = "chat", params(("token" = Option<String>, Query, description = "access token, unless sent as a bearer")),
    responses((status = 101, description = "switching to the WebSocket protocol (veza.json.v1 or veza.msgpack.v1)"),
        (status = 400, body = crate::web::error::Problem, description = "not a WebSocket handshake (bad_request)"),
        (status = 401, body = crate::web::error::Problem)))]
pub async fn upgrade(
    req: HttpRequest,
    stream: web::Payload,
    q: web::Query<WsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // A plain GET (no upgrade headers) is the client's mistake: 400, not the 500 the
    // handshake error would otherwise become.
    if let Err(e) = ws::handshake(&req) {
        return Err(ApiError::coded(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            format!("not a WebSocket handshake: {e}"),
        ));
    }
    let token = q
        .into_inner()
        .token
        .or_else(|| bearer(&req).map(str::to_owned))
        .ok_or(crate::auth::AuthError::Feature(AuthFault::Unauthenticated))?;
    let user = authenticate(&state, &token).await?;
    let username = {
        let mut conn = state.pool.get().await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
        crate::users::repo::username(&mut conn, user.id)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .ok_or(crate::auth::AuthError::Feature(AuthFault::Unauthenticated))?
    };
    let requested = req.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (encoding, protocol) = Encoding::negotiate(requested);
    let roles = user.role_names().into();
    let who = UserRef { id: user.id, username };
    let session = WsSession::new(who, roles, user.session_id, encoding, state.realtime.session.clone());
    let protocols = protocol.map(|p| [p]);
    let mut builder = ws::WsResponseBuilder::new(session, &req, stream).frame_size(MAX_FRAME_BYTES);
    if let Some(p) = protocols.as_ref() {
        builder = builder.protocols(p);
    }
    builder.start().map_err(|e| ApiError::Status { status: e.as_response_error().status_code(), detail: e.to_string() })
}
