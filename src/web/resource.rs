//! A resource whose other methods answer 405 with `Allow`.

use super::error::ApiError;
use actix_web::{HttpResponse, web};

/// A resource whose other methods answer 405 with `Allow: <allow>`.
pub fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path)
        .default_service(web::to(move || async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }))
}
