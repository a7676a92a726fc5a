//! The server API over HTTP: `/api/v1/server/…`, JSON twins of the gRPC operations (the
//! `WatchRoom` stream is gRPC-only), authenticated by `Authorization: ApiKey <key>` and limited
//! per key (not by the per-IP limit of `/api`).

use super::keys::from_header;
use super::model::*;
use super::service::*;
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::extract;
use crate::web::resource;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;
use veza_core::{Code, RoomId};

type Server = web::Data<Addr<ServerApiService>>;

/// Every path of the server API starts with this (the per-IP limit leaves it alone).
pub const PREFIX: &str = "/api/v1/server/";

/// A request is at most this large, as over gRPC (`grpc.max_request_bytes`' default).
const MAX_BODY: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let post = |path: &'static str| resource(path, "POST").app_data(extract::json_config(MAX_BODY));
    cfg.service(post("/api/v1/server/publish").route(web::post().to(publish)))
        .service(post("/api/v1/server/broadcast").route(web::post().to(broadcast)))
        .service(post("/api/v1/server/push").route(web::post().to(push)))
        .service(post("/api/v1/server/subscribe").route(web::post().to(subscribe)))
        .service(post("/api/v1/server/unsubscribe").route(web::post().to(unsubscribe)))
        .service(post("/api/v1/server/disconnect").route(web::post().to(disconnect)))
        .service(resource("/api/v1/server/rooms", "GET").route(web::get().to(rooms)))
        .service(resource("/api/v1/server/rooms/{id}", "GET").route(web::get().to(room_info)))
        .service(resource("/api/v1/server/rooms/{id}/presence", "GET").route(web::get().to(presence)))
        .service(resource("/api/v1/server/rooms/{id}/presence/stats", "GET").route(web::get().to(presence_stats)))
        .service(resource("/api/v1/server/rooms/{id}/history", "GET").route(web::get().to(history)))
        .service(resource("/api/v1/server/nodes", "GET").route(web::get().to(nodes)));
}

/// The key and the client's address, as the service audits them.
fn caller(req: &HttpRequest) -> Caller {
    let key = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(from_header).map(str::to_owned);
    Caller { key, ip: client_info(req).ip }
}

/// Post a message into a room, as the key's service user or (scope `publish_as`) a member.
/// Answered after the commit; a retried `client_id` answers the original (`duplicate`).
#[utoipa::path(post, path = "/api/v1/server/publish", tag = "server", operation_id = "server_publish", security(("api_key" = [])),
    request_body = PublishBody,
    responses((status = 200, body = Published), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn publish(s: Server, req: HttpRequest, body: web::Json<PublishBody>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, PublishMsg { caller: caller(&req), body: body.into_inner() }).await?))
}

/// The same message into up to 100 rooms: one result per room, in the order asked.
#[utoipa::path(post, path = "/api/v1/server/broadcast", tag = "server", operation_id = "server_broadcast", security(("api_key" = [])),
    request_body = BroadcastBody,
    responses((status = 200, body = BroadcastResults), (status = 403, body = Problem)))]
pub async fn broadcast(s: Server, req: HttpRequest, body: web::Json<BroadcastBody>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, BroadcastMsg { caller: caller(&req), body: body.into_inner() }).await?))
}

/// A live `event` frame (`kind` = `event_type`, under `server.`) for every connection of a user,
/// on every node. Not stored.
#[utoipa::path(post, path = "/api/v1/server/push", tag = "server", operation_id = "server_push_to_user", security(("api_key" = [])),
    request_body = PushBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn push(s: Server, req: HttpRequest, body: web::Json<PushBody>) -> Result<HttpResponse, ApiError> {
    ask(&s, PushMsg { caller: caller(&req), body: body.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Make a user a member of a room; their open sessions join it (`subscribed` frame). Audited.
#[utoipa::path(post, path = "/api/v1/server/subscribe", tag = "server", operation_id = "server_subscribe", security(("api_key" = [])),
    request_body = MembershipBody,
    responses((status = 200, body = Changed), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn subscribe(s: Server, req: HttpRequest, body: web::Json<MembershipBody>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, SubscribeMsg { caller: caller(&req), body: body.into_inner() }).await?))
}

/// Remove a user from a room; their open sessions leave it (`unsubscribed` frame). Audited.
#[utoipa::path(post, path = "/api/v1/server/unsubscribe", tag = "server", operation_id = "server_unsubscribe", security(("api_key" = [])),
    request_body = MembershipBody,
    responses((status = 200, body = Changed), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unsubscribe(
    s: Server,
    req: HttpRequest,
    body: web::Json<MembershipBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, UnsubscribeMsg { caller: caller(&req), body: body.into_inner() }).await?))
}

/// Close every WebSocket of a user, on every node, with a code 4000-4499. Audited.
#[utoipa::path(post, path = "/api/v1/server/disconnect", tag = "server", operation_id = "server_disconnect", security(("api_key" = [])),
    request_body = DisconnectBody,
    responses((status = 204), (status = 403, body = Problem)))]
pub async fn disconnect(
    s: Server,
    req: HttpRequest,
    body: web::Json<DisconnectBody>,
) -> Result<HttpResponse, ApiError> {
    ask(&s, DisconnectMsg { caller: caller(&req), body: body.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rooms whose name matches a pattern (`*`, `?`; case-insensitive), by id.
#[utoipa::path(get, path = "/api/v1/server/rooms", tag = "server", operation_id = "server_rooms", security(("api_key" = [])), params(RoomsQuery),
    responses((status = 200, body = RoomPage), (status = 403, body = Problem)))]
pub async fn rooms(s: Server, req: HttpRequest, q: web::Query<RoomsQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, RoomsMsg { caller: caller(&req), query: q.into_inner() }).await?))
}

fn room_id(path: web::Path<String>) -> Result<RoomId, ApiError> {
    path.parse::<Uuid>().map(RoomId).map_err(|_| ApiError::coded(StatusCode::NOT_FOUND, Code::NotFound, "no such room"))
}

/// A room's facts.
#[utoipa::path(get, path = "/api/v1/server/rooms/{id}", tag = "server", operation_id = "server_room_info", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ServerRoom), (status = 403, body = Problem)))]
pub async fn room_info(s: Server, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, RoomInfoMsg { caller: caller(&req), room: room_id(id)? }).await?))
}

/// Who is online in a room, across nodes.
#[utoipa::path(get, path = "/api/v1/server/rooms/{id}/presence", tag = "server", operation_id = "server_presence", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = OnlineUsers), (status = 403, body = Problem)))]
pub async fn presence(s: Server, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, PresenceMsg { caller: caller(&req), room: room_id(id)? }).await?))
}

/// How many are online in a room.
#[utoipa::path(get, path = "/api/v1/server/rooms/{id}/presence/stats", tag = "server", operation_id = "server_presence_stats", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PresenceStats), (status = 403, body = Problem)))]
pub async fn presence_stats(s: Server, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, PresenceStatsMsg { caller: caller(&req), room: room_id(id)? }).await?))
}

/// A page of a room's messages (deleted ones as slots).
#[utoipa::path(get, path = "/api/v1/server/rooms/{id}/history", tag = "server", operation_id = "server_history", security(("api_key" = [])),
    params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, body = RoomHistory), (status = 403, body = Problem)))]
pub async fn history(
    s: Server,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let msg = HistoryMsg { caller: caller(&req), room: room_id(id)?, query: q.into_inner() };
    Ok(HttpResponse::Ok().json(ask(&s, msg).await?))
}

/// Every node of the cluster: state, connections, live rooms.
#[utoipa::path(get, path = "/api/v1/server/nodes", tag = "server", operation_id = "server_node_info", security(("api_key" = [])),
    responses((status = 200, body = Nodes), (status = 403, body = Problem)))]
pub async fn nodes(s: Server, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&s, NodesMsg { caller: caller(&req) }).await?))
}

impl From<ServerApiFault> for ApiError {
    fn from(f: ServerApiFault) -> Self {
        let detail = f.to_string();
        match f {
            ServerApiFault::Unauthenticated(_) => {
                ApiError::coded(StatusCode::UNAUTHORIZED, Code::Unauthenticated, detail)
            }
            ServerApiFault::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
            ServerApiFault::Refused(code, _) => ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, code, detail),
            ServerApiFault::Unavailable(d) => ApiError::Unavailable(d),
        }
    }
}
