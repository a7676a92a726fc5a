//! Who deletes an account and what a self-deletion must prove.

use crate::auth::model::AuthFault;
use crate::error::DomainError;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::{Code, UserId};

/// Its only failures beyond the shared kind are auth's (checking a password).
pub type AccountError = DomainError<AuthFault>;

/// A login this recent proves the owner is at the keyboard: no password needed.
pub const RECENT_LOGIN_SECS: i64 = 10 * 60;

/// Largest `DELETE /users/me` body, in bytes.
pub const DELETE_BODY_MAX_BYTES: usize = 1024;

/// `DELETE /users/me` (optional body): the password, unless the session signed in within the
/// last 10 minutes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMe {
    #[schema(min_length = 1, max_length = 256)]
    pub password: Option<String>,
}

/// Who is deleting the account.
#[derive(Debug, Clone)]
pub enum DeletedBy {
    /// Its owner, through `session`, with the password when given.
    Owner { session: Uuid, password: Option<String> },
    /// An admin acting on someone's account.
    Admin(UserId),
}

impl DeletedBy {
    pub fn actor(&self, target: UserId) -> UserId {
        match self {
            DeletedBy::Owner { .. } => target,
            DeletedBy::Admin(admin) => *admin,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            DeletedBy::Owner { .. } => "owner",
            DeletedBy::Admin(_) => "admin",
        }
    }
}

/// 403 `reauthentication_required`: no password and no recent login.
pub fn reauthentication_required() -> AccountError {
    DomainError::forbidden(
        Code::ReauthenticationRequired,
        "confirm with your password, or sign in again: deleting an account needs a login within 10 minutes",
    )
}

/// 403 `invalid_credentials`: the password given is not the account's.
pub fn wrong_password() -> AccountError {
    DomainError::forbidden(Code::InvalidCredentials, "the password is not this account's")
}

/// 409 `last_admin`: the only active admin cannot go.
pub fn last_admin() -> AccountError {
    DomainError::conflict(Code::LastAdmin, "this is the last active admin; make another admin first")
}
