//! `ApiError`: every failure a client can see, rendered once as `application/problem+json`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::ToSchema;
use veza_core::Code;

use crate::db::DbError;
use crate::error::{DomainError, Never};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// RFC 9457 problem details, plus Veza's stable `code` and per-field `errors`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:veza:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code clients can branch on.
    pub code: String,
    /// Field path -> messages, for validation errors.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
}

/// Errors of the HTTP layer; services' errors convert into it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body must be {expected}")]
    UnsupportedMediaType { expected: &'static str },
    #[error("{detail}")]
    Validation { detail: String, errors: BTreeMap<String, Vec<String>> },
    #[error("no such resource")]
    NotFound,
    /// `allow` lists the methods the resource has (empty when unknown).
    #[error("this method is not allowed on this resource")]
    MethodNotAllowed { allow: &'static str },
    #[error("too many requests; retry after {} s", retry_after_secs(*retry_after))]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    Unavailable(String),
    /// A feature's own error: its status, its stable code, a readable detail.
    #[error("{detail}")]
    Coded { status: StatusCode, code: Code, detail: String },
    /// Any status the framework produced that has no richer mapping.
    #[error("{detail}")]
    Status { status: StatusCode, detail: String },
    /// A bug or an infrastructure failure; the detail is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

/// Whole seconds for `Retry-After`, never 0 (a client would retry at once).
pub fn retry_after_secs(d: Duration) -> u64 {
    let rounded_up = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    rounded_up.max(1)
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        self.wire_code().as_str()
    }

    /// The stable code of this error.
    pub fn wire_code(&self) -> Code {
        match self {
            ApiError::InvalidJson(_) => Code::InvalidJson,
            ApiError::PayloadTooLarge { .. } => Code::PayloadTooLarge,
            ApiError::UnsupportedMediaType { .. } => Code::UnsupportedMediaType,
            ApiError::Validation { .. } => Code::ValidationFailed,
            ApiError::NotFound => Code::NotFound,
            ApiError::MethodNotAllowed { .. } => Code::MethodNotAllowed,
            ApiError::RateLimited { .. } => Code::RateLimited,
            ApiError::Unavailable(_) => Code::Unavailable,
            ApiError::Coded { code, .. } => *code,
            ApiError::Status { status, .. } => code_for_status(*status),
            ApiError::Internal(_) => Code::Internal,
        }
    }

    pub fn coded(status: StatusCode, code: Code, detail: impl Into<String>) -> Self {
        ApiError::Coded { status, code, detail: detail.into() }
    }

    /// A 422 with one message on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        ApiError::Validation { detail: "the request is not valid".into(), errors }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code();
        let errors = match self {
            ApiError::Validation { errors, .. } => errors.clone(),
            _ => BTreeMap::new(),
        };
        Problem {
            kind: format!("urn:veza:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            code: code.to_owned(),
            errors,
        }
    }
}

/// The stable code for a bare status.
pub fn code_for_status(status: StatusCode) -> Code {
    match status.as_u16() {
        400 => Code::BadRequest,
        401 => Code::Unauthenticated,
        403 => Code::Forbidden,
        404 => Code::NotFound,
        405 => Code::MethodNotAllowed,
        408 => Code::RequestTimeout,
        409 => Code::Conflict,
        413 => Code::PayloadTooLarge,
        415 => Code::UnsupportedMediaType,
        422 => Code::ValidationFailed,
        429 => Code::RateLimited,
        503 => Code::Unavailable,
        s if s >= 500 => Code::Internal,
        _ => Code::BadRequest,
    }
}

/// The shared failures of every feature; a feature's own (`X`) say for themselves.
impl<X: std::error::Error> From<DomainError<X>> for ApiError
where
    ApiError: From<X>,
{
    fn from(e: DomainError<X>) -> Self {
        let detail = e.to_string();
        match e {
            DomainError::NotFound => ApiError::NotFound,
            DomainError::Forbidden(code, _) => ApiError::coded(StatusCode::FORBIDDEN, code, detail),
            DomainError::Conflict(code, _) => ApiError::coded(StatusCode::CONFLICT, code, detail),
            DomainError::Invalid { field, message } => ApiError::field(field, message),
            // The database out of reach or out of connections is a passing state: retry (503).
            DomainError::Db(e @ (DbError::Pool(_) | DbError::Timeout(_) | DbError::Unreachable { .. })) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable("the database is unavailable; retry shortly".into())
            }
            // A connection that died under the query (a server restart, a replica going away)
            // or a statement cancelled by a conflict (serialization, a hot standby's replay):
            // the next try gets another connection or another server (503, retry).
            DomainError::Db(e) if matches!(&e, DbError::Query(q) if passing(q)) => {
                tracing::warn!(error = %e, "database query interrupted");
                ApiError::Unavailable("the database query was interrupted; retry shortly".into())
            }
            DomainError::Db(e) => ApiError::Internal(e.to_string()),
            DomainError::Feature(x) => x.into(),
        }
    }
}

/// Query failures that say nothing about the query: retrying it may succeed.
fn passing(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    matches!(
        e,
        Error::DatabaseError(Kind::ClosedConnection | Kind::SerializationFailure, _) | Error::BrokenTransactionManager
    )
}

impl From<Never> for ApiError {
    fn from(n: Never) -> Self {
        match n {}
    }
}

/// The code of a problem answer, in the response's extensions (counted per code by the
/// request middleware).
#[derive(Debug, Clone, Copy)]
pub struct ProblemCode(pub Code);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Coded { status, .. } | ApiError::Status { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        res.extensions_mut().insert(ProblemCode(self.wire_code()));
        match self {
            ApiError::RateLimited { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs(*retry_after).to_string()));
            }
            ApiError::MethodNotAllowed { allow } if !allow.is_empty() => {
                res.insert_header((header::ALLOW, *allow));
            }
            _ => {}
        }
        match serde_json::to_vec(&self.problem()) {
            Ok(body) => res.body(body),
            Err(_) => res.finish(),
        }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut errors = BTreeMap::new();
        flatten(&errs, "", &mut errors);
        ApiError::Validation { detail: "the request is not valid".into(), errors }
    }
}

fn flatten(errs: &validator::ValidationErrors, prefix: &str, out: &mut BTreeMap<String, Vec<String>>) {
    use validator::ValidationErrorsKind as K;
    for (field, kind) in errs.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            K::Field(list) => {
                let msgs = list.iter().map(|e| e.message.as_ref().map_or_else(|| describe(e), |m| m.to_string()));
                out.entry(path).or_default().extend(msgs);
            }
            K::Struct(inner) => flatten(inner, &path, out),
            K::List(items) => {
                for (i, inner) in items {
                    flatten(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

/// A readable message for a validator rule that carries none.
fn describe(e: &validator::ValidationError) -> String {
    let param = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters"),
            (Some(min), None) => format!("must be at least {min} characters"),
            (None, Some(max)) => format!("must be at most {max} characters"),
            _ => "has an invalid length".into(),
        },
        "range" => "is out of range".into(),
        "url" => "must be a URL".into(),
        "email" => "must be an email address".into(),
        "required" => "is required".into(),
        code => format!("is invalid ({code})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_query_is_a_503_and_a_wrong_one_a_500() {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        let closed = Error::DatabaseError(Kind::ClosedConnection, Box::new("server closed the connection".to_owned()));
        let cancelled = Error::DatabaseError(Kind::SerializationFailure, Box::new("conflict with recovery".to_owned()));
        for e in [closed, cancelled] {
            let api: ApiError = crate::error::DomainError::<crate::error::Never>::Db(DbError::Query(e)).into();
            assert_eq!(api.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        }
        let wrong = Error::DatabaseError(Kind::CheckViolation, Box::new("check".to_owned()));
        let api: ApiError = crate::error::DomainError::<crate::error::Never>::Db(DbError::Query(wrong)).into();
        assert_eq!(api.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn problem_carries_code_status_and_field_errors() {
        let p = ApiError::field("email", "must be an email address").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "validation_failed");
        assert_eq!(p.kind, "urn:veza:problem:validation_failed");
        assert_eq!(p.errors["email"], vec!["must be an email address"]);
    }
}
