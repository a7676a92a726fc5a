//! Refuses NUL in what a client sends, before any handler binds it: in the URL (`%00` in the path
//! or query) and in JSON bodies (a `\u0000` escape, in a value or a key). PostgreSQL cannot store
//! or compare NUL in `text`, so such a value reached a query as a 500. JSON bodies are read here
//! (within the body limit) and handed on unchanged; other bodies (uploads) are not touched.
//! Since the body is read here anyway, a JSON body that is an array is refused too: every body
//! the API takes is an object, and serde would read an array into a struct field by field.
//! Inside the security headers and problem layers, so the refusal carries both.

use super::body;
use crate::state::AppState;
use crate::web::error::ApiError;
use crate::web::extract;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use veza_core::Code;

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if carries_nul(req.uri().path()) || carries_nul(req.query_string()) {
        let res = ApiError::coded(StatusCode::BAD_REQUEST, Code::BadRequest, "NUL (%00) is not allowed in a URL")
            .error_response();
        return Ok(req.into_response(res).map_into_boxed_body());
    }
    let limit = req.app_data::<web::Data<AppState>>().map(|s| s.config.server.body_limit_bytes);
    if let (true, Some(limit)) = (is_json(&req), limit) {
        let Ok(body) = body::buffer(&mut req, limit).await? else {
            let res = ApiError::PayloadTooLarge { limit }.error_response();
            return Ok(req.into_response(res).map_into_boxed_body());
        };
        if has_nul_escape(&body) {
            let err = ApiError::Validation {
                detail: "NUL (\\u0000) is not allowed in text".into(),
                errors: Default::default(),
            };
            return Ok(req.into_response(err.error_response()).map_into_boxed_body());
        }
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            let err =
                ApiError::Validation { detail: "the body must be a JSON object".into(), errors: Default::default() };
            return Ok(req.into_response(err.error_response()).map_into_boxed_body());
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// JSON bodies: what `web::Json` reads, and CSP reports.
fn is_json(req: &ServiceRequest) -> bool {
    extract::is_json(req.headers()) || extract::media_type(req.headers()).is_some_and(|m| m == "application/csp-report")
}

/// A `\u0000` escape in JSON text (in a value or a key). `\\u0000` is a backslash followed by
/// the text `u0000`, not NUL: escapes are read pairwise.
fn has_nul_escape(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'u') && b.get(i + 2..i + 6) == Some(b"0000".as_slice()) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// `%00` anywhere (a raw NUL cannot reach here: the request line would not parse).
fn carries_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_zero_zero_is_nul_anywhere() {
        assert!(super::carries_nul("q=a%00b"));
        assert!(super::carries_nul("/api/v1/users/%00"));
        assert!(!super::carries_nul("q=100%25&x=%20"));
        assert!(!super::carries_nul("%0"));
    }

    #[test]
    fn a_nul_escape_is_found_in_values_and_keys_but_not_an_escaped_backslash() {
        assert!(super::has_nul_escape(br#"{"name":"a\u0000b"}"#));
        assert!(super::has_nul_escape(br#"{"k\u0000":1}"#));
        assert!(!super::has_nul_escape(br#"{"name":"a\\u0000b"}"#), "backslash, then the text u0000");
        assert!(super::has_nul_escape(br#"{"name":"a\\\u0000"}"#), "backslash, then NUL");
        assert!(!super::has_nul_escape(br#""\u00"#), "a truncated escape is the JSON parser's business");
        assert!(!super::has_nul_escape(br#"{"name":"\u0001"}"#));
    }
}
