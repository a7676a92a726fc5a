//! Request ids: taken from `X-Request-Id` when the client (or the load balancer) sends a sane
//! one, generated otherwise; echoed on every response and put on every log line of the request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub use crate::web::client::RequestId;

/// Accepts 1..=128 characters of `[A-Za-z0-9._:-]`; anything else could forge log lines.
fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
}

pub fn pick(header: Option<&HeaderValue>) -> String {
    header
        .and_then(|v| v.to_str().ok())
        .filter(|s| acceptable(s))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Outermost middleware: the id exists before anything else runs.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = pick(req.headers().get(&X_REQUEST_ID));
    req.extensions_mut().insert(RequestId(id.clone()));
    // No clone of the HttpRequest may live across `call`: routing needs it unshared. Inner
    // middleware therefore answers errors as responses (Ok), never as Err.
    let mut res = next.call(req).await?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sane_ids_and_replaces_the_rest() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(pick(Some(&HeaderValue::from_static("abc-123"))), "abc-123");
        let long = "a".repeat(129);
        for bad in [HeaderValue::from_static("has space"), HeaderValue::from_static(""), HeaderValue::from_str(&long)?]
        {
            let got = pick(Some(&bad));
            assert!(uuid::Uuid::parse_str(&got).is_ok(), "{got}");
        }
        assert!(uuid::Uuid::parse_str(&pick(None)).is_ok());
        Ok(())
    }
}
