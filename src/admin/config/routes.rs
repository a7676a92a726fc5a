//! `/api/v1/admin/config` (admins): the runtime settings, their history, rollback.

use super::model::{ConfigPatch, ConfigVersion, ConfigView};
use super::service::*;
use crate::admin::service::AdminService;
use crate::auth::{AuthUser, Role};
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::{Page, PageQuery};
use crate::web::resource;
use actix::Addr;
use actix_web::{HttpRequest, HttpResponse, web};

type Admin = web::Data<Addr<AdminService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/config", "GET, PUT").route(web::get().to(get)).route(web::put().to(put)))
        .service(resource("/api/v1/admin/config/history", "GET").route(web::get().to(history)))
        .service(resource("/api/v1/admin/config/rollback/{version}", "POST").route(web::post().to(rollback)));
}

/// Every runtime setting: its effective value, whether it is the default, pinned by the
/// operator (locked), and who set it in which version.
#[utoipa::path(get, path = "/api/v1/admin/config", operation_id = "admin_config", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = ConfigView), (status = 403, body = Problem)))]
pub async fn get(admin: Admin, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    Ok(HttpResponse::Ok().json(ask(&admin, GetConfig).await?))
}

/// Change settings (`{key: value}`, `null` back to the default): checked whole, stored as one
/// version, in effect on every node within 2 s. A key pinned by the operator is 409
/// `setting_locked`; an unknown key or a bad value 422. Audited with the diff.
#[utoipa::path(put, path = "/api/v1/admin/config", operation_id = "admin_update_config", tag = "admin", security(("bearer" = [])),
    request_body = ConfigPatch,
    responses((status = 200, body = ConfigView), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "setting_locked"), (status = 422, body = Problem)))]
pub async fn put(
    admin: Admin,
    req: HttpRequest,
    user: AuthUser,
    body: web::Json<ConfigPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let changes = body.into_inner().changes()?;
    Ok(HttpResponse::Ok().json(ask(&admin, PutConfig { by: user.id, changes, client: client_info(&req) }).await?))
}

/// Versions, newest first, each with who changed what (a diff per key).
#[utoipa::path(get, path = "/api/v1/admin/config/history", operation_id = "admin_config_history", tag = "admin", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Page<ConfigVersion>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn history(admin: Admin, user: AuthUser, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (limit, before) = (q.limit()?, q.id_cursor()?);
    let items = ask(&admin, ConfigHistory { before, limit }).await?;
    let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(|v| v.version.to_string())).flatten();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Restore the config as it was at `version`: a new version (keys pinned by the operator stay
/// as they are). 404 for a version that never was.
#[utoipa::path(post, path = "/api/v1/admin/config/rollback/{version}", operation_id = "admin_config_rollback", tag = "admin", security(("bearer" = [])),
    params(("version" = i64, Path)),
    responses((status = 200, body = ConfigView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn rollback(
    admin: Admin,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let asked = Rollback { by: user.id, version: path.into_inner(), client: client_info(&req) };
    Ok(HttpResponse::Ok().json(ask(&admin, asked).await?))
}
