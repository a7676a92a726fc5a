//! `/api/v1/admin/users`: the accounts list (moderators and admins) and changes of standing.

use super::model::{Acting, AdminUser, StandingPatch, UserListParams};
use super::service::{ChangeStanding, ListUsers};
use crate::admin::service::AdminService;
use crate::auth::{AuthUser, Role};
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::{Page, PageQuery};
use crate::web::resource;
use actix::Addr;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use veza_core::UserId;

type Admin = web::Data<Addr<AdminService>>;

/// `/admin/users/{id}` answers DELETE in `accounts` (account deletion, registered first and
/// guarded to that method); every other method comes here.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/users", "GET").route(web::get().to(list)))
        .service(resource("/api/v1/admin/users/{id}", "PATCH, DELETE").route(web::patch().to(change)));
}

/// Accounts, newest first: a name prefix (admins: or an email prefix), a role, a status.
/// Moderators see no emails.
#[utoipa::path(get, path = "/api/v1/admin/users", operation_id = "admin_users", tag = "admin", security(("bearer" = [])), params(UserListParams),
    responses((status = 200, body = Page<AdminUser>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(admin: Admin, user: AuthUser, q: web::Query<UserListParams>) -> Result<HttpResponse, ApiError> {
    user.require(Role::Moderator)?;
    let page = PageQuery { limit: q.limit, cursor: None };
    let limit = page.limit()?;
    let filter = q.filter(user.has(Role::Admin))?;
    let items = ask(&admin, ListUsers { filter, limit }).await?;
    let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(|u| u.id.to_string())).flatten();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Suspend (until a time, or until lifted), ban, reactivate, or set roles. Takes effect on
/// every node at once: sessions revoked, tokens refused, live sockets closed 1008. Moderators
/// may suspend or reactivate accounts whose only role is `user`; bans, role changes and any
/// action on a moderator or admin are for admins. Audited.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", operation_id = "admin_update_user", tag = "admin", security(("bearer" = [])), request_body = StandingPatch,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AdminUser), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "last_admin, own_account"),
        (status = 422, body = Problem)))]
pub async fn change(
    admin: Admin,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<UserId>,
    body: web::Json<StandingPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Moderator)?;
    let patch = body.into_inner().check(Utc::now())?;
    let actor = Acting::of(&user);
    let asked = ChangeStanding { actor, target: path.into_inner(), patch, client: client_info(&req) };
    Ok(HttpResponse::Ok().json(ask(&admin, asked).await?))
}
