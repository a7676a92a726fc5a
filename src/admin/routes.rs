//! Admin handlers: `/api/v1/admin/audit` and its NDJSON export (admins only).

use super::model::{AuditExportParams, AuditParams};
use super::service::*;
use crate::audit::model::{AuditRecord, Direction};
use crate::auth::{AuthUser, Role};
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::{Page, PageQuery};
use crate::web::resource;
use actix::Addr;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;

type Admin = web::Data<Addr<AdminService>>;

/// Records per statement of an export.
const EXPORT_BATCH: i64 = 500;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/audit", "GET").route(web::get().to(audit)))
        .service(resource("/api/v1/admin/audit/export", "GET").route(web::get().to(export)))
        .configure(super::users::routes::configure)
        .configure(super::config::routes::configure)
        .configure(super::stats::routes::configure);
}

/// The audit trail, newest first: who did what to whom, when, from which IP, in which request.
#[utoipa::path(get, path = "/api/v1/admin/audit", operation_id = "admin_audit", tag = "admin", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = Page<AuditRecord>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn audit(admin: Admin, user: AuthUser, q: web::Query<AuditParams>) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let (limit, before) = (page.limit()?, page.id_cursor()?);
    let filter = q.filter()?;
    let items = ask(&admin, AuditPage { filter, direction: Direction::NewestBefore(before), limit }).await?;
    let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(|r| r.seq.to_string())).flatten();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// The audit trail as NDJSON, oldest first, streamed (the list's filters). The export is itself
/// audited.
#[utoipa::path(get, path = "/api/v1/admin/audit/export", operation_id = "admin_audit_export", tag = "admin", security(("bearer" = [])), params(AuditExportParams),
    responses((status = 200, content_type = "application/x-ndjson", body = AuditRecord,
        description = "one record per line"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    admin: Admin,
    req: HttpRequest,
    user: AuthUser,
    q: web::Query<AuditExportParams>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let filter = q.filter()?;
    let described = req.query_string().chars().take(512).collect();
    ask(&admin, AuditExported { by: user.id, client: client_info(&req), filter: described }).await?;
    let admin = admin.get_ref().clone();
    // Batch after batch by sequence number until one comes back short.
    let batches = futures_util::stream::unfold(Some(0i64), move |after| {
        let (admin, filter) = (admin.clone(), filter.clone());
        async move {
            let after = after?;
            let asked = AuditPage { filter, direction: Direction::OldestAfter(after), limit: EXPORT_BATCH };
            match ask(&admin, asked).await {
                Ok(rows) => {
                    let next = (rows.len() as i64 == EXPORT_BATCH).then(|| rows.last().map(|r| r.seq)).flatten();
                    let mut lines = Vec::with_capacity(rows.len() * 256);
                    for r in &rows {
                        if serde_json::to_writer(&mut lines, r).is_ok() {
                            lines.push(b'\n');
                        }
                    }
                    Some((Ok::<_, actix_web::Error>(Bytes::from(lines)), next))
                }
                // Cut short: the body ends without its last chunk, so the client sees a failed
                // transfer, not a complete export.
                Err(e) => Some((Err(actix_web::error::ErrorServiceUnavailable(e.to_string())), None)),
            }
        }
    });
    Ok(HttpResponse::Ok().content_type("application/x-ndjson").streaming(batches))
}
