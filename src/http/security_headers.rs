//! Security headers on every response. The API serves JSON only, so its CSP forbids everything;
//! `/docs` (Swagger UI, served from the binary) may load its own scripts and styles; the web
//! client's files carry their own (`site::CSP_APP`), which this keeps.

use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};

pub const CSP_REPORT_PATH: &str = "/api/v1/csp-reports";

const CSP_API: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; report-uri /api/v1/csp-reports";
const CSP_DOCS: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; report-uri /api/v1/csp-reports";
const HSTS: &str = "max-age=63072000; includeSubDomains";

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let hsts = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.config.server.hsts);
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let set = |h: &mut actix_web::http::header::HeaderMap, name: HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(h, header::CONTENT_SECURITY_POLICY, if docs { CSP_DOCS } else { CSP_API });
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(h, HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()");
    if hsts {
        set(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    Ok(res)
}
