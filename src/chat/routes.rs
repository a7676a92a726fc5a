//! Chat REST handlers (the Chat table of API.md) and the WebSocket entry.

use super::model::*;
use super::service::*;
use crate::auth::extract::MaybeAuthUser;
use crate::auth::{AuthUser, Role};
use crate::web::ask;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::{Page, PageQuery};
use crate::web::resource;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;
use veza_core::Code;
use veza_core::{MessageId, RoomId, Seq, UserId};

type Chat = web::Data<Addr<ChatService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/ws", "GET").route(web::get().to(super::ws::upgrade)))
        .service(
            resource("/api/v1/rooms", "GET, POST").route(web::get().to(list_rooms)).route(web::post().to(create_room)),
        )
        .service(resource("/api/v1/rooms/{id}", "GET").route(web::get().to(get_room)))
        .service(resource("/api/v1/rooms/{id}/join", "POST").route(web::post().to(join_room)))
        .service(resource("/api/v1/rooms/{id}/leave", "POST").route(web::post().to(leave_room)))
        .service(resource("/api/v1/rooms/{id}/members", "POST").route(web::post().to(add_member)))
        .service(resource("/api/v1/rooms/{id}/members/{user_id}", "DELETE").route(web::delete().to(kick)))
        .service(resource("/api/v1/rooms/{id}/mute", "POST").route(web::post().to(mute)))
        .service(
            resource("/api/v1/rooms/{id}/messages", "GET, POST")
                .route(web::get().to(history))
                .route(web::post().to(post_message)),
        )
        .service(resource("/api/v1/rooms/{id}/messages/{msg_id}", "DELETE").route(web::delete().to(delete_message)))
        .service(resource("/api/v1/dm/{user_id}", "POST").route(web::post().to(direct)));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RoomQuery {
    /// Part of the room name.
    pub q: Option<String>,
    /// Only the caller's rooms (needs a token).
    pub mine: Option<bool>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// The `limit` messages just below this seq.
    pub before: Option<i64>,
    /// The `limit` messages just above this seq.
    pub after: Option<i64>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Create a room; the creator is its owner.
#[utoipa::path(post, path = "/api/v1/rooms", tag = "chat", security(("bearer" = [])), request_body = CreateRoom,
    responses((status = 201, body = RoomView), (status = 422, body = Problem)))]
pub async fn create_room(chat: Chat, user: AuthUser, body: web::Json<CreateRoom>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(ask(&chat, CreateRoomMsg { user: user.id, body: body.into_inner() }).await?))
}

/// Public rooms (`q` searches names), or the caller's rooms with `mine=true`.
#[utoipa::path(get, path = "/api/v1/rooms", tag = "chat", security((), ("bearer" = [])), params(RoomQuery), responses((status = 200, body = Page<RoomView>)))]
pub async fn list_rooms(chat: Chat, user: MaybeAuthUser, q: web::Query<RoomQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let limit = page.limit()?;
    let before = q
        .cursor
        .as_deref()
        .map(|c| c.parse::<RoomId>().map_err(|_| ApiError::field("cursor", "not a cursor of this list")))
        .transpose()?;
    let mine = q.mine.unwrap_or(false);
    if mine && user.0.is_none() {
        return Err(crate::auth::model::AuthFault::Unauthenticated.into());
    }
    let items = ask(&chat, ListRooms { user: user.0.map(|u| u.id), q: q.q, mine, before, limit }).await?;
    let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(|r| r.id.to_string())).flatten();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// A room with its member count; private rooms only to members (else 404).
#[utoipa::path(get, path = "/api/v1/rooms/{id}", tag = "chat", security((), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = RoomView), (status = 404, body = Problem)))]
pub async fn get_room(chat: Chat, user: MaybeAuthUser, path: web::Path<RoomId>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&chat, GetRoomMsg { user: user.0.map(|u| u.id), room: path.into_inner() }).await?))
}

/// Join a public room.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/join", tag = "chat", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = RoomView), (status = 404, body = Problem)))]
pub async fn join_room(chat: Chat, user: AuthUser, path: web::Path<RoomId>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&chat, JoinRoom { user: user.id, room: path.into_inner() }).await?))
}

/// Leave a room. An owner who leaves hands the room to its longest-standing moderator, else
/// member, who is told by a `room.owner` event; leaving a private room makes it 404 to you.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/leave", tag = "chat", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn leave_room(chat: Chat, user: AuthUser, path: web::Path<RoomId>) -> Result<HttpResponse, ApiError> {
    ask(&chat, LeaveRoom { user: user.id, room: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a member (owner or moderator).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/members", tag = "chat", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = MemberBody, responses((status = 201), (status = 403, body = Problem)))]
pub async fn add_member(
    chat: Chat,
    user: AuthUser,
    path: web::Path<RoomId>,
    body: web::Json<MemberBody>,
) -> Result<HttpResponse, ApiError> {
    ask(&chat, AddMember { user: user.id, room: path.into_inner(), member: UserId(body.user_id) }).await?;
    Ok(HttpResponse::Created().finish())
}

/// Remove a member (owner or moderator).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/members/{user_id}", tag = "chat", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem)))]
pub async fn kick(chat: Chat, user: AuthUser, path: web::Path<(RoomId, UserId)>) -> Result<HttpResponse, ApiError> {
    let (room, member) = path.into_inner();
    ask(&chat, Kick { user: user.id, room, member }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mute a member for some minutes (0 unmutes); a `user_id` naming no member of the room is 422.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/mute", tag = "chat", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = MuteBody, responses((status = 204), (status = 403, body = Problem)))]
pub async fn mute(
    chat: Chat,
    user: AuthUser,
    path: web::Path<RoomId>,
    body: web::Json<MuteBody>,
) -> Result<HttpResponse, ApiError> {
    ask(&chat, Mute { user: user.id, room: path.into_inner(), member: UserId(body.user_id), minutes: body.minutes })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The direct room with a user, created on first use (403 when either blocked the other).
#[utoipa::path(post, path = "/api/v1/dm/{user_id}", tag = "chat", security(("bearer" = [])), params(("user_id" = Uuid, Path)),
    responses((status = 200, body = RoomView), (status = 201, body = RoomView), (status = 403, body = Problem)))]
pub async fn direct(chat: Chat, user: AuthUser, path: web::Path<UserId>) -> Result<HttpResponse, ApiError> {
    let (room, created) = ask(&chat, DirectRoom { user: user.id, other: path.into_inner() }).await?;
    Ok(if created { HttpResponse::Created().json(room) } else { HttpResponse::Ok().json(room) })
}

/// History, ascending by seq: `before` gives the `limit` just below it, `after` the `limit`
/// just above; deleted messages keep their slot as `{id, seq, deleted: true}`.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages", tag = "chat", security((), ("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, body = Page<MessageView>), (status = 404, body = Problem)))]
pub async fn history(
    chat: Chat,
    user: MaybeAuthUser,
    path: web::Path<RoomId>,
    q: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = PageQuery { limit: q.limit, cursor: None }.limit()?;
    let room = path.into_inner();
    let items = ask(
        &chat,
        History { user: user.0.map(|u| u.id), room, before: q.before.map(Seq), after: q.after.map(Seq), limit },
    )
    .await?;
    // Older pages continue below the first item; `after` pages continue above the last.
    let full = items.len() as i64 == limit;
    let next_cursor = match q.after {
        Some(_) => full.then(|| items.last().map(|m| m.seq.to_string())).flatten(),
        None => (full && items.first().is_some_and(|m| m.seq > 1))
            .then(|| items.first().map(|m| m.seq.to_string()))
            .flatten(),
    };
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Post a message; delivered live like a WebSocket send.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/messages", tag = "chat", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = PostBody, responses((status = 201, body = MessageView), (status = 403, body = Problem),
        (status = 422, body = Problem, description = "invalid body (validation_failed), message_rejected (moderation) or message_unstorable (never retry)")))]
pub async fn post_message(
    chat: Chat,
    user: AuthUser,
    path: web::Path<RoomId>,
    body: web::Json<PostBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let msg = ask(
        &chat,
        PostMessage {
            user: user.id,
            roles: user.role_names(),
            room: path.into_inner(),
            body: b.body,
            client_id: b.client_id,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(msg))
}

/// Delete a message (its author, a room moderator, or a site moderator): a soft delete.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{msg_id}", tag = "chat", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("msg_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem)))]
pub async fn delete_message(
    chat: Chat,
    user: AuthUser,
    path: web::Path<(RoomId, MessageId)>,
) -> Result<HttpResponse, ApiError> {
    let (room, message) = path.into_inner();
    ask(&chat, DeleteMessage { user: user.id, moderator: user.has(Role::Moderator), room, message }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How chat's own failures answer over HTTP (the shared ones answer in the web kit).
impl From<ChatFault> for ApiError {
    fn from(f: ChatFault) -> Self {
        let detail = f.to_string();
        match f {
            ChatFault::Refused(Code::RateLimited, _) => {
                ApiError::coded(StatusCode::TOO_MANY_REQUESTS, Code::RateLimited, detail)
            }
            ChatFault::Refused(code, _) => ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, code, detail),
            ChatFault::Unavailable(d) => ApiError::Unavailable(d),
        }
    }
}
