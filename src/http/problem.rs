//! Makes every error answer a problem: statuses produced by the framework itself (a method a
//! resource lacks, a CORS refusal, …) come without a body; this gives them one.

use crate::web::error::{ApiError, PROBLEM_JSON};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
    if status.as_u16() < 400 || is_problem {
        return Ok(res.map_into_boxed_body());
    }
    let err = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed { allow: "" },
        s => ApiError::Status { status: s, detail: s.canonical_reason().unwrap_or("error").to_owned() },
    };
    let (req, old) = res.into_parts();
    let mut new = err.error_response();
    // Keep what the original answer said in headers (Allow, CORS, Retry-After…).
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, new).map_into_boxed_body())
}
