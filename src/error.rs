//! One error kind for every feature: the failures they all share (not found, forbidden,
//! conflict, invalid input, the database), each forbidden or conflict naming its wire `Code`.
//! A feature with failures of its own wraps them in `Feature` (`DomainError<ChatFault>`); one
//! without uses `DomainError` alone. How each answers over HTTP is the web kit's business
//! (`web::error`), and a feature's own failures map beside its routes.

use crate::db::DbError;
use std::borrow::Cow;
use veza_core::Code;

/// A feature that adds nothing to the shared kind.
#[derive(Debug, thiserror::Error)]
pub enum Never {}

#[derive(Debug, thiserror::Error)]
pub enum DomainError<X: std::error::Error = Never> {
    #[error("no such resource")]
    NotFound,
    /// Not allowed for this caller (403), with the code saying why.
    #[error("{1}")]
    Forbidden(Code, Cow<'static, str>),
    /// The resource's state refuses it (409), with the code saying which.
    #[error("{1}")]
    Conflict(Code, Cow<'static, str>),
    /// Input that breaks a rule (422), on one field.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error(transparent)]
    Db(DbError),
    /// The feature's own failures.
    #[error(transparent)]
    Feature(X),
}

impl<X: std::error::Error> DomainError<X> {
    pub fn forbidden(code: Code, detail: impl Into<Cow<'static, str>>) -> Self {
        DomainError::Forbidden(code, detail.into())
    }

    /// 403 `forbidden`, with nothing more to say.
    pub fn not_allowed() -> Self {
        DomainError::forbidden(Code::Forbidden, "not allowed")
    }

    pub fn conflict(code: Code, detail: impl Into<Cow<'static, str>>) -> Self {
        DomainError::Conflict(code, detail.into())
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid { field, message: message.into() }
    }

    /// Keeps the shared failures and turns the feature's own into another feature's kind.
    pub fn map_feature<Y: std::error::Error>(self, f: impl FnOnce(X) -> DomainError<Y>) -> DomainError<Y> {
        match self {
            DomainError::NotFound => DomainError::NotFound,
            DomainError::Forbidden(c, d) => DomainError::Forbidden(c, d),
            DomainError::Conflict(c, d) => DomainError::Conflict(c, d),
            DomainError::Invalid { field, message } => DomainError::Invalid { field, message },
            DomainError::Db(e) => DomainError::Db(e),
            DomainError::Feature(x) => f(x),
        }
    }
}

/// A feature's own failures (`ChatFault`, …): `?` lifts one into its `DomainError<Self>`.
pub trait Fault: std::error::Error {}

impl<X: Fault> From<X> for DomainError<X> {
    fn from(f: X) -> Self {
        DomainError::Feature(f)
    }
}

impl<X: std::error::Error> From<DbError> for DomainError<X> {
    fn from(e: DbError) -> Self {
        DomainError::Db(e)
    }
}

impl<X: std::error::Error> From<diesel::result::Error> for DomainError<X> {
    fn from(e: diesel::result::Error) -> Self {
        DomainError::Db(DbError::Query(e))
    }
}

/// A unique-constraint violation as a 409 with `code`, any other database error as itself.
pub fn unique_violation_as<X: std::error::Error>(
    code: Code,
    detail: &'static str,
) -> impl FnOnce(diesel::result::Error) -> DomainError<X> {
    move |e| match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            DomainError::Conflict(code, detail.into())
        }
        e => e.into(),
    }
}
