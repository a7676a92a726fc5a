//! `GET /api/v1/admin/stats` (admins).

use super::service::GetStats;
use crate::admin::service::AdminService;
use crate::auth::{AuthUser, Role};
use crate::stats::model::AdminStats;
use crate::web::ask;
use crate::web::error::{ApiError, Problem};
use crate::web::resource;
use actix::Addr;
use actix_web::{HttpResponse, web};

type Admin = web::Data<Addr<AdminService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/stats", "GET").route(web::get().to(stats)));
}

/// Users, activity, messages per hour, the marketplace, tracks, plays, searches (computed by one
/// node every `stats.rollup_ms`: `computed_at` says when), and every node from its heartbeat:
/// `up`, `unreachable` (stopped beating) or `stopped` (drained).
#[utoipa::path(get, path = "/api/v1/admin/stats", operation_id = "admin_stats", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = AdminStats), (status = 403, body = Problem)))]
pub async fn stats(admin: Admin, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    Ok(HttpResponse::Ok().json(ask(&admin, GetStats).await?))
}
