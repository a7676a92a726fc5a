//! Refuses a URL that carries NUL (`%00`) in its path or query, before any handler binds it:
//! PostgreSQL cannot store or compare NUL in `text`, so such a value reached a query as a 500.
//! Inside the security headers and problem layers, so the refusal carries both.

use crate::web::error::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};
use veza_core::Code;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if carries_nul(req.uri().path()) || carries_nul(req.query_string()) {
        let res = ApiError::coded(StatusCode::BAD_REQUEST, Code::BadRequest, "NUL (%00) is not allowed in a URL")
            .error_response();
        return Ok(req.into_response(res).map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
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
}
