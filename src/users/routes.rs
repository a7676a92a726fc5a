//! Users HTTP handlers: profiles, preferences, friends, blocks, activity.

use super::model::*;
use super::service::*;
use crate::activity::ActivityItem;
use crate::auth::AuthUser;
use crate::web::ask;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::json_config;
use crate::web::pagination::{Page, PageQuery};
use crate::web::resource;
use actix::Addr;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;
use veza_core::UserId;

type Users = web::Data<Addr<UserService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `/users/me…` before `/users/{id}`: the literal wins.
    cfg.service(
        // DELETE is the accounts feature's (registered first, for that method only).
        resource("/api/v1/users/me", "GET, PATCH, DELETE")
            .route(web::get().to(own_profile))
            .route(web::patch().to(update_profile)),
    )
    .service(
        resource("/api/v1/users/me/preferences", "GET, PUT")
            .app_data(json_config(PREFERENCES_MAX_BYTES))
            .route(web::get().to(get_preferences))
            .route(web::put().to(put_preferences)),
    )
    .service(resource("/api/v1/users/me/friends", "GET").route(web::get().to(friends)))
    .service(resource("/api/v1/users/me/friends/{id}/accept", "POST").route(web::post().to(accept_friend)))
    .service(resource("/api/v1/users/me/friends/{id}", "DELETE").route(web::delete().to(remove_friend)))
    .service(resource("/api/v1/users/me/blocks", "GET").route(web::get().to(blocks)))
    .service(resource("/api/v1/users/me/activity", "GET").route(web::get().to(activity)))
    .service(resource("/api/v1/users/{id}", "GET").route(web::get().to(profile)))
    .service(resource("/api/v1/users/{id}/friend-request", "POST").route(web::post().to(friend_request)))
    .service(
        resource("/api/v1/users/{id}/block", "POST, DELETE")
            .route(web::post().to(block))
            .route(web::delete().to(unblock)),
    );
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FriendRequestReply {
    /// Always `pending`.
    pub status: &'static str,
}

/// A public profile, by id or username.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "id or username")),
    responses((status = 200, body = PublicProfile), (status = 404, body = Problem)))]
pub async fn profile(users: Users, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&users, GetProfile { key: path.into_inner() }).await?))
}

/// The caller's own profile.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = OwnProfile), (status = 401, body = Problem)))]
pub async fn own_profile(users: Users, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&users, GetOwnProfile { user: user.id }).await?))
}

/// Update display name, bio, avatar URL, location (`""` clears a field).
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])), request_body = ProfilePatch,
    responses((status = 200, body = OwnProfile), (status = 422, body = Problem)))]
pub async fn update_profile(
    users: Users,
    user: AuthUser,
    body: web::Json<ProfilePatch>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&users, UpdateProfile { user: user.id, patch: body.into_inner() }).await?))
}

/// The caller's preferences (a JSON object).
#[utoipa::path(get, path = "/api/v1/users/me/preferences", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn get_preferences(users: Users, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&users, GetPreferences { user: user.id }).await?))
}

/// Replace the caller's preferences: a JSON object of at most 16 KiB.
#[utoipa::path(put, path = "/api/v1/users/me/preferences", tag = "users", security(("bearer" = [])), request_body = Object,
    responses((status = 200, body = Object), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
pub async fn put_preferences(
    users: Users,
    user: AuthUser,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&users, PutPreferences { user: user.id, preferences: body.into_inner() }).await?))
}

/// Friends and pending requests both ways.
#[utoipa::path(get, path = "/api/v1/users/me/friends", tag = "users", security(("bearer" = [])), responses((status = 200, body = FriendsView)))]
pub async fn friends(users: Users, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&users, ListFriends { user: user.id }).await?))
}

/// Ask someone to be friends.
#[utoipa::path(post, path = "/api/v1/users/{id}/friend-request", tag = "users", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 201, body = FriendRequestReply), (status = 403, body = Problem, description = "blocked"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already_friends or request_pending")))]
pub async fn friend_request(users: Users, user: AuthUser, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    ask(&users, SendFriendRequest { from: user.id, to: path.into_inner() }).await?;
    Ok(HttpResponse::Created().json(FriendRequestReply { status: "pending" }))
}

/// Accept a pending request from `id`.
#[utoipa::path(post, path = "/api/v1/users/me/friends/{id}/accept", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = FriendsView), (status = 404, body = Problem)))]
pub async fn accept_friend(users: Users, user: AuthUser, path: web::Path<UserId>) -> Result<HttpResponse, ApiError> {
    ask(&users, AcceptFriend { user: user.id, requester: path.into_inner() }).await?;
    Ok(HttpResponse::Ok().json(ask(&users, ListFriends { user: user.id }).await?))
}

/// Unfriend, decline or cancel.
#[utoipa::path(delete, path = "/api/v1/users/me/friends/{id}", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn remove_friend(users: Users, user: AuthUser, path: web::Path<UserId>) -> Result<HttpResponse, ApiError> {
    ask(&users, RemoveFriend { user: user.id, other: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Block a user: no friend requests, DMs or offers between you.
#[utoipa::path(post, path = "/api/v1/users/{id}/block", tag = "users", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn block(users: Users, user: AuthUser, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    ask(&users, Block { user: user.id, target: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lift a block.
#[utoipa::path(delete, path = "/api/v1/users/{id}/block", tag = "users", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204)))]
pub async fn unblock(users: Users, user: AuthUser, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    ask(&users, Unblock { user: user.id, target: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Users the caller blocked.
#[utoipa::path(get, path = "/api/v1/users/me/blocks", tag = "users", security(("bearer" = [])), responses((status = 200, body = Page<BlockEntry>)))]
pub async fn blocks(users: Users, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = ask(&users, ListBlocks { user: user.id }).await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor: None }))
}

/// The caller's activity, newest first.
#[utoipa::path(get, path = "/api/v1/users/me/activity", tag = "users", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<ActivityItem>)))]
pub async fn activity(users: Users, user: AuthUser, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let limit = q.limit()?;
    let items = ask(&users, ListActivity { user: user.id, before: q.id_cursor()?, limit }).await?;
    let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(|i| i.id.to_string())).flatten();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}
