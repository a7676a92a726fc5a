//! Auth HTTP handlers: parse, authorize, send a message to the worker's `AuthService`, map
//! the reply.

use super::extract::AuthUser;
use super::keys::Jwks;
use super::model::{Me, OAuthProviderInfo, OAuthProviders, TokenPair};
use super::oauth::Provider;
use super::service::*;
use crate::auth::model::AuthFault;
use crate::state::AppState;
use crate::web::ask;
use crate::web::client::client_info;
use crate::web::error::{ApiError, Problem};
use crate::web::resource;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use veza_core::Code;

type Auth = web::Data<Addr<AuthService>>;

/// Wires the auth routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/auth/register", "POST").route(web::post().to(register)))
        .service(resource("/api/v1/auth/login", "POST").route(web::post().to(login)))
        .service(resource("/api/v1/auth/refresh", "POST").route(web::post().to(refresh)))
        .service(resource("/api/v1/auth/logout", "POST").route(web::post().to(logout)))
        .service(resource("/api/v1/auth/logout-all", "POST").route(web::post().to(logout_all)))
        .service(resource("/api/v1/auth/magic-link", "POST").route(web::post().to(magic_link)))
        .service(resource("/api/v1/auth/magic-link/verify", "POST").route(web::post().to(magic_link_verify)))
        .service(resource("/api/v1/auth/providers", "GET").route(web::get().to(providers)))
        .service(resource("/api/v1/auth/oauth/exchange", "POST").route(web::post().to(oauth_exchange)))
        .service(resource("/api/v1/auth/oauth/{provider}/authorize", "GET").route(web::get().to(oauth_authorize)))
        .service(resource("/api/v1/auth/oauth/{provider}/callback", "GET").route(web::get().to(oauth_callback)))
        .service(resource("/api/v1/auth/me", "GET").route(web::get().to(me)))
        .service(resource("/api/v1/auth/sessions", "GET").route(web::get().to(sessions)))
        .service(resource("/api/v1/auth/sessions/{id}", "DELETE").route(web::delete().to(revoke_session)))
        .service(resource("/.well-known/jwks.json", "GET").route(web::get().to(jwks)));
}

/// Answers that carry tokens or the caller's own account: no cache (browser, proxy) may keep them.
fn private(mut res: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub email: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Email or username.
    pub login: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginCodeBody {
    pub login_code: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuthorizeQuery {
    /// Where to send the browser afterwards; must be allow-listed.
    pub redirect_uri: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by the provider when the user refused.
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
    /// Always null: every live session fits one page.
    pub next_cursor: Option<String>,
}

/// Create an account; answers its first token pair.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterBody, responses(
    (status = 201, body = TokenPair),
    (status = 409, body = Problem, description = "email_taken or username_taken"),
    (status = 422, body = Problem),
))]
pub async fn register(auth: Auth, req: HttpRequest, body: web::Json<RegisterBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let pair =
        ask(&auth, Register { email: b.email, username: b.username, password: b.password, client: client_info(&req) })
            .await?;
    Ok(private(HttpResponse::Created()).json(pair))
}

/// Log in with email or username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "invalid_credentials"),
    (status = 403, body = Problem, description = "account_disabled"),
    (status = 429, body = Problem),
))]
pub async fn login(auth: Auth, req: HttpRequest, body: web::Json<LoginBody>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let pair = ask(&auth, Login { login: b.login, password: b.password, client: client_info(&req) }).await?;
    Ok(private(HttpResponse::Ok()).json(pair))
}

/// Trade a refresh token for a new pair (the old token stops working).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshBody, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "token_invalid or refresh_token_reused"),
))]
pub async fn refresh(auth: Auth, req: HttpRequest, body: web::Json<RefreshBody>) -> Result<HttpResponse, ApiError> {
    let pair =
        ask(&auth, Refresh { refresh_token: body.into_inner().refresh_token, client: client_info(&req) }).await?;
    Ok(private(HttpResponse::Ok()).json(pair))
}

/// Revoke the session of this refresh token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshBody, security(("bearer" = [])), responses(
    (status = 204), (status = 401, body = Problem),
))]
pub async fn logout(
    auth: Auth,
    user: AuthUser,
    req: HttpRequest,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    ask(&auth, Logout { user: user.id, refresh_token: body.into_inner().refresh_token, client: client_info(&req) })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke every session of the caller.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])), responses(
    (status = 204), (status = 401, body = Problem),
))]
pub async fn logout_all(auth: Auth, user: AuthUser, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    ask(&auth, LogoutAll { user: user.id, client: client_info(&req) }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mail a single-use sign-in link. Always 202.
#[utoipa::path(post, path = "/api/v1/auth/magic-link", tag = "auth", request_body = EmailBody, responses((status = 202)))]
pub async fn magic_link(auth: Auth, req: HttpRequest, body: web::Json<EmailBody>) -> Result<HttpResponse, ApiError> {
    ask(&auth, RequestMagicLink { email: body.into_inner().email, client: client_info(&req) }).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Sign in with a magic-link token.
#[utoipa::path(post, path = "/api/v1/auth/magic-link/verify", tag = "auth", request_body = TokenBody, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "link_invalid"),
))]
pub async fn magic_link_verify(
    auth: Auth,
    req: HttpRequest,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let pair = ask(&auth, VerifyMagicLink { token: body.into_inner().token, client: client_info(&req) }).await?;
    Ok(private(HttpResponse::Ok()).json(pair))
}

/// The OAuth providers configured on this node, for a client's login buttons.
#[utoipa::path(get, path = "/api/v1/auth/providers", tag = "auth", responses((status = 200, body = OAuthProviders)))]
pub async fn providers(state: web::Data<AppState>) -> HttpResponse {
    let providers = Provider::configured(&state.config.oauth)
        .into_iter()
        .map(|p| OAuthProviderInfo {
            id: p.as_str().to_owned(),
            name: p.display_name().to_owned(),
            authorize_url: format!("/api/v1/auth/oauth/{}/authorize", p.as_str()),
        })
        .collect();
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-cache")).json(OAuthProviders { providers })
}

/// Start an OAuth2 login (PKCE S256): redirects to the provider.
#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/authorize", tag = "auth",
    params(("provider" = String, Path, description = "google or github"), AuthorizeQuery),
    responses((status = 302, description = "to the provider"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn oauth_authorize(
    auth: Auth,
    path: web::Path<String>,
    q: web::Query<AuthorizeQuery>,
) -> Result<HttpResponse, ApiError> {
    let url =
        ask(&auth, OAuthAuthorize { provider: path.into_inner(), redirect_uri: q.into_inner().redirect_uri }).await?;
    Ok(HttpResponse::Found().insert_header((header::LOCATION, url)).finish())
}

/// The provider sends the browser back here.
#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/callback", tag = "auth",
    params(("provider" = String, Path, description = "google or github"), CallbackQuery),
    responses((status = 200, body = TokenPair), (status = 302, description = "to the allow-listed redirect_uri with ?login_code="),
        (status = 401, body = Problem, description = "oauth_state_invalid or link_invalid")))]
pub async fn oauth_callback(
    auth: Auth,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (Some(code), Some(state), None) = (q.code, q.state, q.error) else {
        return Err(AuthFault::OAuthStateInvalid.into());
    };
    match ask(&auth, OAuthCallback { provider: path.into_inner(), code, state, client: client_info(&req) }).await? {
        CallbackOutcome::Tokens(pair) => Ok(private(HttpResponse::Ok()).json(pair)),
        CallbackOutcome::Redirect(url) => Ok(HttpResponse::Found().insert_header((header::LOCATION, url)).finish()),
    }
}

/// Trade a single-use login code (from an OAuth redirect) for a token pair.
#[utoipa::path(post, path = "/api/v1/auth/oauth/exchange", tag = "auth", request_body = LoginCodeBody, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "link_invalid"),
))]
pub async fn oauth_exchange(
    auth: Auth,
    req: HttpRequest,
    body: web::Json<LoginCodeBody>,
) -> Result<HttpResponse, ApiError> {
    let pair =
        ask(&auth, OAuthExchange { login_code: body.into_inner().login_code, client: client_info(&req) }).await?;
    Ok(private(HttpResponse::Ok()).json(pair))
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = Me), (status = 401, body = Problem),
))]
pub async fn me(auth: Auth, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(private(HttpResponse::Ok()).json(ask(&auth, GetMe { user: user.id }).await?))
}

/// The caller's live login sessions.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = SessionList), (status = 401, body = Problem),
))]
pub async fn sessions(auth: Auth, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = ask(&auth, ListSessions { user: user.id, current: user.session_id }).await?;
    Ok(private(HttpResponse::Ok()).json(SessionList { items, next_cursor: None }))
}

/// Revoke one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_session(
    auth: Auth,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    ask(&auth, RevokeSession { user: user.id, session: path.into_inner(), client: client_info(&req) }).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Public keys that verify access tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", responses((status = 200, body = Jwks)))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "public, max-age=60")).json(state.keys.jwks())
}

/// How auth's own failures answer over HTTP (the shared ones answer in the web kit).
impl From<AuthFault> for ApiError {
    fn from(f: AuthFault) -> Self {
        use StatusCode as S;
        let detail = f.to_string();
        match f {
            AuthFault::InvalidCredentials => ApiError::coded(S::UNAUTHORIZED, Code::InvalidCredentials, detail),
            AuthFault::Unauthenticated => ApiError::coded(S::UNAUTHORIZED, Code::Unauthenticated, detail),
            AuthFault::TokenExpired => ApiError::coded(S::UNAUTHORIZED, Code::TokenExpired, detail),
            AuthFault::TokenInvalid => ApiError::coded(S::UNAUTHORIZED, Code::TokenInvalid, detail),
            AuthFault::RefreshReused => ApiError::coded(S::UNAUTHORIZED, Code::RefreshTokenReused, detail),
            AuthFault::LinkInvalid => ApiError::coded(S::UNAUTHORIZED, Code::LinkInvalid, detail),
            AuthFault::OAuthStateInvalid => ApiError::coded(S::UNAUTHORIZED, Code::OauthStateInvalid, detail),
            AuthFault::OAuthProvider(_) => ApiError::coded(S::BAD_GATEWAY, Code::OauthProviderError, detail),
            AuthFault::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
            AuthFault::Internal(e) => ApiError::Internal(e),
        }
    }
}
