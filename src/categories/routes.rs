//! Category handlers: the public tree, and the admins' edits under /api/v1/admin/categories.

use super::model::*;
use super::service::*;
use crate::auth::{AuthUser, Role};
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::pagination::Page;
use crate::web::resource;
use actix::Addr;
use actix_web::{HttpRequest, HttpResponse, web};
use veza_core::CategoryId;

type Categories = web::Data<Addr<CategoryService>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/categories", "GET").route(web::get().to(tree)))
        .service(
            resource("/api/v1/admin/categories", "GET, POST")
                .route(web::get().to(admin_list))
                .route(web::post().to(create)),
        )
        .service(
            resource("/api/v1/admin/categories/{id}", "PATCH, DELETE")
                .route(web::patch().to(update))
                .route(web::delete().to(delete)),
        );
}

fn editor(req: &HttpRequest, user: &AuthUser) -> Result<Editor, ApiError> {
    user.require(Role::Admin)?;
    Ok(Editor { id: user.id, client: client_info(req) })
}

/// The category tree, roots first, siblings by position.
#[utoipa::path(get, path = "/api/v1/categories", tag = "listings", responses((status = 200, body = [CategoryNode])))]
pub async fn tree(categories: Categories) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ask(&categories, GetTree).await?))
}

/// Every category, flat, by slug (admins).
#[utoipa::path(get, path = "/api/v1/admin/categories", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Page<Category>), (status = 403, body = Problem)))]
pub async fn admin_list(categories: Categories, req: HttpRequest, user: AuthUser) -> Result<HttpResponse, ApiError> {
    editor(&req, &user)?;
    let items = ask(&categories, ListFlat).await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor: None }))
}

/// Add a category (admins); audited.
#[utoipa::path(post, path = "/api/v1/admin/categories", operation_id = "create_category", tag = "admin", security(("bearer" = [])), request_body = NewCategory,
    responses((status = 201, body = Category), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "slug_taken"),
        (status = 422, body = Problem)))]
pub async fn create(
    categories: Categories,
    req: HttpRequest,
    user: AuthUser,
    body: web::Json<NewCategory>,
) -> Result<HttpResponse, ApiError> {
    let by = editor(&req, &user)?;
    Ok(HttpResponse::Created().json(ask(&categories, Create { by, body: body.into_inner() }).await?))
}

/// Rename, re-slug, move or reorder a category (admins); never under itself.
#[utoipa::path(patch, path = "/api/v1/admin/categories/{id}", operation_id = "update_category", tag = "admin", security(("bearer" = [])), request_body = CategoryPatch,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Category), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "slug_taken: another category has this slug"),
        (status = 422, body = Problem)))]
pub async fn update(
    categories: Categories,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<CategoryId>,
    body: web::Json<CategoryPatch>,
) -> Result<HttpResponse, ApiError> {
    let by = editor(&req, &user)?;
    Ok(HttpResponse::Ok().json(ask(&categories, Patch { by, id: path.into_inner(), patch: body.into_inner() }).await?))
}

/// Remove an empty category (no subcategories, no listings) (admins).
#[utoipa::path(delete, path = "/api/v1/admin/categories/{id}", operation_id = "delete_category", tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 409, body = Problem, description = "category_not_empty")))]
pub async fn delete(
    categories: Categories,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<CategoryId>,
) -> Result<HttpResponse, ApiError> {
    let by = editor(&req, &user)?;
    ask(&categories, Delete { by, id: path.into_inner() }).await?;
    Ok(HttpResponse::NoContent().finish())
}
