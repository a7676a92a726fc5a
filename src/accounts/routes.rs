//! Account deletion handlers: the owner's `DELETE /users/me` and the admins' delete.

use super::model::*;
use super::service::*;
use crate::auth::AuthUser;
use crate::auth::model::{PASSWORD_MAX, Role};
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::extract;
use crate::web::resource::resource_for;
use actix::Addr;
use actix_web::{HttpRequest, HttpResponse, web};
use veza_core::UserId;

type Accounts = web::Data<Addr<AccountService>>;

/// Registered before the users' routes: `/users/me` answers its other methods there, so this
/// resource takes only DELETE (a resource guard lets the router go on to the next one).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource_for("/api/v1/users/me", "DELETE")
            .app_data(crate::web::extract::payload_config(DELETE_BODY_MAX_BYTES))
            .route(web::delete().to(delete_me)),
    )
    // Changes of standing (PATCH) are the admin area's, on a resource registered after this one.
    .service(resource_for("/api/v1/admin/users/{id}", "DELETE").route(web::delete().to(delete_user)));
}

/// Delete my account: a soft delete, everything personal erased, every session revoked. Needs
/// the password (`{"password": …}`), or no body within 10 minutes of signing in.
#[utoipa::path(delete, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    request_body(content = Option<DeleteMe>, description = "optional: the password, unless the session signed in within 10 minutes"),
    responses((status = 204, description = "deleted"), (status = 400, body = Problem, description = "invalid_json"),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "reauthentication_required or invalid_credentials"),
        (status = 409, body = Problem, description = "last_admin"), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn delete_me(
    accounts: Accounts,
    user: AuthUser,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let proof: DeleteMe = if body.iter().all(u8::is_ascii_whitespace) {
        DeleteMe::default()
    } else if !extract::is_json(req.headers()) {
        return Err(ApiError::UnsupportedMediaType { expected: "application/json" });
    } else {
        serde_json::from_slice(&body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ApiError::field("password", e.to_string()),
            _ => ApiError::InvalidJson(e.to_string()),
        })?
    };
    if proof.password.as_ref().is_some_and(|p| p.is_empty() || p.chars().count() > PASSWORD_MAX) {
        return Err(ApiError::field("password", "must be 1 to 256 characters"));
    }
    let by = DeletedBy::Owner { session: user.session_id, password: proof.password };
    ask(&accounts, DeleteAccount { target: user.id, by, client: client_info(&req) }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Admins: delete a user's account, through the same path as the owner's own deletion.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "deleted"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "last_admin")))]
pub async fn delete_user(
    accounts: Accounts,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let msg = DeleteAccount { target: path.into_inner(), by: DeletedBy::Admin(user.id), client: client_info(&req) };
    ask(&accounts, msg).await?;
    Ok(HttpResponse::NoContent().finish())
}
