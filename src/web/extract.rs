//! Extractor settings: body limits and problem+json for every way a body, query or path
//! can be wrong.

use super::error::ApiError;
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::web;

/// `web::Json` settings: the body limit, and 400/413/415/422 as problems.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |err, _req| json_error(err, limit).into())
}

/// `web::Json` settings for a route that also accepts other JSON media types.
pub fn json_config_with(limit: usize, accept: fn(mime::Mime) -> bool) -> web::JsonConfig {
    json_config(limit).content_type(accept).content_type_required(true)
}

/// The media type of a request's body (`type/subtype`, lowercase, parameters dropped).
pub fn media_type(headers: &actix_web::http::header::HeaderMap) -> Option<String> {
    let ct = headers.get(actix_web::http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// Whether a body says it is JSON as `web::Json` decides it: a `json` subtype or a `+json` suffix.
pub fn is_json(headers: &actix_web::http::header::HeaderMap) -> bool {
    media_type(headers)
        .is_some_and(|m| m.split_once('/').is_some_and(|(_, sub)| sub == "json" || sub.ends_with("+json")))
}

/// Raw body (`web::Bytes`) settings: same limit, same 413.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(err).into())
}

pub fn path_config() -> web::PathConfig {
    // A path segment that does not parse (a bad id) names no resource.
    web::PathConfig::default().error_handler(|_err: PathError, _req| ApiError::NotFound.into())
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType { expected: "application/json" },
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            // Well-formed JSON of the wrong shape: a validation failure, pointed at the line/column.
            ApiError::Validation {
                detail: format!("the body does not match the expected shape: {e}"),
                errors: Default::default(),
            }
        }
        JsonPayloadError::Deserialize(e) => ApiError::InvalidJson(e.to_string()),
        JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
        JsonPayloadError::Payload(e) => ApiError::InvalidJson(e.to_string()),
        other => ApiError::InvalidJson(other.to_string()),
    }
}

fn query_error(err: QueryPayloadError) -> ApiError {
    ApiError::Validation { detail: format!("invalid query string: {err}"), errors: Default::default() }
}
