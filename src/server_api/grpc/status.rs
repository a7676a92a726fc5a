//! Errors as gRPC statuses, from the same kinds as HTTP: the problem's HTTP status picks the
//! gRPC code, and its stable code travels as `google.rpc.ErrorInfo.reason` (domain `veza`) in
//! the status details, so a client branches on the same codes over both doors.

use crate::server_api::model::ServerApiError;
use crate::web::error::ApiError;
use actix_web::ResponseError;
use std::collections::HashMap;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The gRPC code for an HTTP status.
pub fn grpc_code(http: u16) -> Code {
    match http {
        400 | 413 | 415 | 422 => Code::InvalidArgument,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::NotFound,
        409 => Code::FailedPrecondition,
        429 => Code::ResourceExhausted,
        503 => Code::Unavailable,
        _ => Code::Internal,
    }
}

/// A service error as the status a gRPC client gets.
pub fn status(e: ServerApiError) -> Status {
    from_api(ApiError::from(e))
}

pub fn from_api(e: ApiError) -> Status {
    if let ApiError::Internal(detail) = &e {
        tracing::error!(%detail, "internal error (gRPC)");
    }
    let code = grpc_code(e.status_code().as_u16());
    let mut metadata = HashMap::new();
    if let ApiError::Validation { errors, .. } = &e {
        for (field, messages) in errors {
            metadata.insert(field.clone(), messages.join("; "));
        }
    }
    if let ApiError::RateLimited { retry_after } = &e {
        metadata.insert("retry_after_ms".to_owned(), retry_after.as_millis().to_string());
    }
    let message = match &e {
        ApiError::Validation { errors, .. } => {
            let fields: Vec<String> = errors.iter().map(|(f, m)| format!("{f}: {}", m.join("; "))).collect();
            fields.join(", ")
        }
        ApiError::Internal(_) => "internal error".to_owned(),
        e => e.to_string(),
    };
    let details = ErrorDetails::with_error_info(e.code(), "veza", metadata);
    Status::with_error_details(code, message, details)
}

/// INVALID_ARGUMENT for a malformed field of a request (an id that is not a UUID, say).
pub fn invalid(field: &str, message: &str) -> Status {
    from_api(ApiError::field(field, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DomainError;
    use crate::server_api::model::ServerApiFault;
    use veza_core::Code as Wire;

    fn reason(s: &Status) -> String {
        s.get_details_error_info().map(|i| i.reason).unwrap_or_default()
    }

    #[test]
    fn kinds_map_to_grpc_codes_with_the_stable_code_as_reason() {
        let cases: Vec<(ServerApiError, Code, &str)> = vec![
            (DomainError::NotFound, Code::NotFound, "not_found"),
            (DomainError::forbidden(Wire::ScopeRequired, "x"), Code::PermissionDenied, "scope_required"),
            (DomainError::invalid("body", "must be UTF-8 text"), Code::InvalidArgument, "validation_failed"),
            (ServerApiFault::Unauthenticated("no key").into(), Code::Unauthenticated, "unauthenticated"),
            (
                ServerApiFault::RateLimited { retry_after: std::time::Duration::from_millis(5) }.into(),
                Code::ResourceExhausted,
                "rate_limited",
            ),
            (ServerApiFault::Unavailable("down".into()).into(), Code::Unavailable, "unavailable"),
            (
                ServerApiFault::Refused(Wire::MessageRejected, "rule".into()).into(),
                Code::InvalidArgument,
                "message_rejected",
            ),
        ];
        for (err, code, why) in cases {
            let s = status(err);
            assert_eq!(s.code(), code, "{why}");
            assert_eq!(reason(&s), why);
        }
    }

    #[test]
    fn a_field_error_names_its_field() {
        let s = invalid("room", "not a UUID");
        assert_eq!(s.code(), Code::InvalidArgument);
        let info = s.get_details_error_info().unwrap();
        assert_eq!(info.metadata.get("room").map(String::as_str), Some("not a UUID"));
        assert!(s.message().contains("room"));
    }
}
