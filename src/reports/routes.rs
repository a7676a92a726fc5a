//! `POST /api/v1/reports` (any user) and the moderators' queue under `/api/v1/admin/reports`.

use super::model::*;
use super::service::*;
use crate::admin::users::model::Acting;
use crate::auth::{AuthUser, Role};
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::{Page, PageQuery};
use crate::web::resource;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

type Reports = web::Data<Addr<ReportService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/reports", "POST").route(web::post().to(report)))
        .service(resource("/api/v1/admin/reports", "GET").route(web::get().to(queue)))
        .service(resource("/api/v1/admin/reports/{id}/claim", "POST").route(web::post().to(claim)))
        .service(resource("/api/v1/admin/reports/{id}/resolve", "POST").route(web::post().to(resolve)));
}

/// Report a message, listing, track, playlist or user. Reports of one thing join its open case
/// (201 the first time this user reports it, 200 after: a reporter counts once). Reporting
/// yourself or your own content is 422; something you cannot see is 404.
#[utoipa::path(post, path = "/api/v1/reports", operation_id = "file_report", tag = "admin", security(("bearer" = [])), request_body = NewReport,
    responses((status = 201, body = ReportFiled), (status = 200, body = ReportFiled, description = "reported before by this user"),
        (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn report(reports: Reports, user: AuthUser, body: web::Json<NewReport>) -> Result<HttpResponse, ApiError> {
    let report = body.into_inner().check()?;
    let filed = ask(&reports, FileReport { reporter: user.id, report }).await?;
    let status = if filed.counted { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(filed))
}

/// The moderation queue: open cases by priority (most reports, then oldest) or by age.
#[utoipa::path(get, path = "/api/v1/admin/reports", operation_id = "admin_reports", tag = "admin", security(("bearer" = [])), params(QueueParams),
    responses((status = 200, body = Page<CaseView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn queue(reports: Reports, user: AuthUser, q: web::Query<QueueParams>) -> Result<HttpResponse, ApiError> {
    user.require(Role::Moderator)?;
    let limit = PageQuery { limit: q.limit, cursor: None }.limit()?;
    let after = q.cursor.as_deref().map(QueueCursor::decode).transpose()?;
    let asked = Queue {
        status: q.status.unwrap_or_default(),
        kind: q.target_type,
        sort: q.sort.unwrap_or_default(),
        after,
        limit,
    };
    let items = ask(&reports, asked).await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| {
            items.last().map(|c| {
                QueueCursor { report_count: c.report_count, first_reported_at: c.first_reported_at, id: c.id }.encode()
            })
        })
        .flatten();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Take a case, so two moderators do not work the same one; the claim holds
/// `reports.claim_ttl_secs`. 409 `case_claimed` while another moderator holds it.
#[utoipa::path(post, path = "/api/v1/admin/reports/{id}/claim", operation_id = "claim_report", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "case_claimed, case_resolved")))]
pub async fn claim(
    reports: Reports,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Moderator)?;
    let asked = Claim { by: user.id, case: path.into_inner(), client: client_info(&req) };
    Ok(HttpResponse::Ok().json(ask(&reports, asked).await?))
}

/// Close a case with an action that really happens: `dismiss`, `remove_content`, `warn`,
/// `suspend_user` (`duration_secs`, or until lifted), `ban_user` (admins). The reporters and the
/// reported user hear the outcome on their user channel; audited.
#[utoipa::path(post, path = "/api/v1/admin/reports/{id}/resolve", operation_id = "resolve_report", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Resolve,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "case_claimed, case_resolved, invalid_transition"),
        (status = 422, body = Problem)))]
pub async fn resolve(
    reports: Reports,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<Uuid>,
    body: web::Json<Resolve>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Moderator)?;
    let resolution = body.into_inner().check()?;
    let by = Acting::of(&user);
    let asked = ResolveCase { by, case: path.into_inner(), resolution, client: client_info(&req) };
    Ok(HttpResponse::Ok().json(ask(&reports, asked).await?))
}

/// How reports' own failures answer over HTTP.
impl From<ReportFault> for ApiError {
    fn from(f: ReportFault) -> Self {
        match f {
            ReportFault::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
        }
    }
}
