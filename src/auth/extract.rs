//! `AuthUser`: the caller, from `Authorization: Bearer <access token>`, checked against the
//! key ring and the denylist. Handlers that take it answer 401 without a valid token.

use super::keys::TokenError;
use super::model::{AuthError, Role};
use crate::auth::model::AuthFault;
use crate::state::AppState;
use crate::web::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;
use veza_core::UserId;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: UserId,
    pub session_id: Uuid,
    pub roles: Vec<Role>,
}

impl AuthUser {
    /// The roles as their names (what automatic moderation's exemptions name).
    pub fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.as_str().to_owned()).collect()
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.iter().any(|r| *r >= role)
    }

    /// 403 unless the caller has `role` (or a higher one).
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.has(role) { Ok(()) } else { Err(AuthError::not_allowed().into()) }
    }
}

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Verifies a raw access token for `state`'s node.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, AuthError> {
    let claims = state.keys.verify_fresh(token).await.map_err(|e| match e {
        TokenError::Expired => AuthError::Feature(AuthFault::TokenExpired),
        TokenError::Invalid | TokenError::UnknownKey => AuthError::Feature(AuthFault::TokenInvalid),
    })?;
    if state.denylist.is_denied(claims.sid, claims.sub.uuid()) {
        return Err(AuthError::Feature(AuthFault::TokenInvalid));
    }
    state.active_users.seen(claims.sub);
    Ok(AuthUser {
        id: claims.sub,
        session_id: claims.sid,
        roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The idempotency middleware may have authenticated the request already.
        if let Some(user) = req.extensions().get::<AuthUser>() {
            let user = user.clone();
            return Box::pin(async move { Ok(user) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req).map(str::to_owned);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let token = token.ok_or(AuthError::Feature(AuthFault::Unauthenticated))?;
            let user = authenticate(&state, &token).await?;
            // Kept for what runs after the handler (the write position of read-your-writes).
            req.extensions_mut().insert(user.clone());
            Ok(user)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(roles: &[Role]) -> AuthUser {
        AuthUser { id: UserId::default(), session_id: Uuid::nil(), roles: roles.to_vec() }
    }

    #[test]
    fn a_role_includes_the_ones_below_it() {
        let admin = with(&[Role::User, Role::Admin]);
        assert!(admin.has(Role::Moderator) && admin.require(Role::Admin).is_ok());
        let moderator = with(&[Role::User, Role::Moderator]);
        assert!(moderator.require(Role::Moderator).is_ok());
        assert!(moderator.require(Role::Admin).is_err(), "403 for an admin-only action");
        assert!(with(&[Role::User]).require(Role::Moderator).is_err());
        assert!(with(&[]).require(Role::User).is_err(), "no role, nothing");
    }
}

/// The caller when a bearer token is sent, `None` when none is: for routes that anonymous
/// users may read too. A token that is sent but invalid is still a 401.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if bearer(req).is_none() {
            return Box::pin(async { Ok(MaybeAuthUser(None)) });
        }
        let fut = AuthUser::from_request(req, payload);
        Box::pin(async move { Ok(MaybeAuthUser(Some(fut.await?))) })
    }
}
