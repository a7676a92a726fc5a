//! Auth types and rules: identities, roles, claims, and the input rules for accounts.

use crate::error::{DomainError, Fault};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::ValidateEmail;
use veza_core::{Code, UserId};

/// Auth's failures beyond the shared ones; each maps to one status and stable code.
#[derive(Debug, thiserror::Error)]
pub enum AuthFault {
    #[error("wrong login or password")]
    InvalidCredentials,
    #[error("authentication required")]
    Unauthenticated,
    #[error("the access token has expired")]
    TokenExpired,
    #[error("the token is not valid")]
    TokenInvalid,
    #[error("this refresh token was already used; the session is revoked")]
    RefreshReused,
    #[error("the link or code is used, expired or unknown")]
    LinkInvalid,
    #[error("the OAuth state is unknown, used or expired")]
    OAuthStateInvalid,
    #[error("the identity provider failed: {0}")]
    OAuthProvider(String),
    #[error("too many attempts")]
    RateLimited { retry_after: Duration },
    #[error("internal: {0}")]
    Internal(String),
}

pub type AuthError = DomainError<AuthFault>;

impl Fault for AuthFault {}

impl AuthError {
    pub fn email_taken() -> Self {
        DomainError::conflict(Code::EmailTaken, "this email is already registered")
    }

    pub fn username_taken() -> Self {
        DomainError::conflict(Code::UsernameTaken, "this username is taken")
    }

    pub fn account_disabled(status: &str) -> Self {
        DomainError::forbidden(Code::AccountDisabled, format!("this account is {status}"))
    }
}

impl From<super::tokens::RandomError> for AuthError {
    fn from(e: super::tokens::RandomError) -> Self {
        AuthFault::Internal(e.to_string()).into()
    }
}

/// Roles, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "user" => Some(Role::User),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Access-token claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub roles: Vec<String>,
    pub sid: Uuid,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub iss: String,
    pub aud: String,
}

/// An account's standing (`users.status`): only an active one may sign in or be reached.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Suspended,
    Banned,
    /// Erased by its owner or an admin: the row stays for what points at it, nothing personal.
    Deleted,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
            UserStatus::Banned => "banned",
            UserStatus::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "suspended" => Some(UserStatus::Suspended),
            "banned" => Some(UserStatus::Banned),
            "deleted" => Some(UserStatus::Deleted),
            _ => None,
        }
    }
}

crate::text_column!(UserStatus);

/// A user as the owner sees it (`/auth/me`, register and login replies).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub display_name: Option<String>,
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// The OAuth providers this node can log in with (those with a client id configured).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthProviders {
    pub providers: Vec<OAuthProviderInfo>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthProviderInfo {
    /// `google` or `github`: the `{provider}` of the authorize route.
    #[schema(example = "github")]
    pub id: String,
    /// The name to show on a login button.
    #[schema(example = "GitHub")]
    pub name: String,
    /// Where a browser starts the login (add `?redirect_uri=` from the allow-list).
    #[schema(example = "/api/v1/auth/oauth/github/authorize")]
    pub authorize_url: String,
}

/// Register and login reply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    pub user: Me,
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// Trim; lowercase the domain; must look like an address.
pub fn normalize_email(raw: &str) -> Result<String, AuthError> {
    let trimmed = raw.trim();
    let invalid = || AuthError::Invalid { field: "email", message: "must be an email address".into() };
    let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
    let email = format!("{local}@{}", domain.to_lowercase());
    if email.len() > 254 || !email.validate_email() {
        return Err(invalid());
    }
    Ok(email)
}

/// Lowercased, then 3..=32 of `[a-z0-9_]`.
pub fn normalize_username(raw: &str) -> Result<String, AuthError> {
    let u = raw.trim().to_lowercase();
    // At most 64 characters as sent, padding included (what the document says).
    let ok = raw.chars().count() <= 64
        && (3..=32).contains(&u.len())
        && u.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(u)
    } else {
        Err(AuthError::Invalid { field: "username", message: "must be 3 to 32 of a-z, 0-9 and _".into() })
    }
}

/// A new password's length in characters (register); any password given is at most `PASSWORD_MAX`.
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;

/// 10..=256 characters, and neither the username nor the email.
pub fn check_password(password: &str, username: &str, email: &str) -> Result<(), AuthError> {
    let n = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        return Err(AuthError::Invalid { field: "password", message: "must be 10 to 256 characters".into() });
    }
    let lower = password.to_lowercase();
    if lower == username.to_lowercase() || lower == email.to_lowercase() {
        return Err(AuthError::Invalid { field: "password", message: "must not be your username or email".into() });
    }
    Ok(())
}

/// How a login names the account: an email (contains `@`) or a username.
pub fn normalize_login(raw: &str) -> String {
    let t = raw.trim();
    match t.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{}", local.to_lowercase(), domain.to_lowercase()),
        None => t.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_their_domain_lowercased() {
        assert_eq!(normalize_email("  Alice.B@Example.COM ").ok().as_deref(), Some("Alice.B@example.com"));
        for bad in ["", "no-at-sign", "a@", "@b.c", "a b@c.d"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames_are_lowercased_then_checked() {
        assert_eq!(normalize_username("Miles_Davis9").ok().as_deref(), Some("miles_davis9"));
        for bad in ["ab", "has space", "dash-es", "émile", &"x".repeat(33)] {
            assert!(normalize_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_rules() {
        assert!(check_password("correct horse", "alice", "a@b.c").is_ok());
        assert!(check_password("short", "alice", "a@b.c").is_err());
        assert!(check_password(&"x".repeat(257), "alice", "a@b.c").is_err());
        assert!(check_password("alicealice", "AliceAlice", "a@b.c").is_err(), "not the username");
        assert!(check_password("bob@example.com", "bob", "bob@example.com").is_err(), "not the email");
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Moderator && Role::Moderator > Role::User);
        assert_eq!(Role::parse("moderator"), Some(Role::Moderator));
        assert_eq!(Role::parse("root"), None);
    }
}
