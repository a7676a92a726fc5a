//! Per-IP limit over `/api`: probes and scrapes (`/health`, `/ready`, `/metrics`) are never
//! limited. The client IP is resolved once here and kept in request extensions.

use crate::ratelimit::{Decision, Quota};
use crate::state::AppState;
use crate::web::client::{ClientIp, client_ip};
use crate::web::error::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = client_ip(req.peer_addr().map(|a| a.ip()), xff, &state.config.server.trusted_proxies);
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    let limits = &state.config.rate_limit;
    // The server API is limited per API key, by its service (a backend calls from few addresses).
    let per_ip = req.path().starts_with("/api/") && !req.path().starts_with(crate::server_api::routes::PREFIX);
    if let (true, Some(ip)) = (limits.enabled && per_ip, ip) {
        let quota = match state.settings.tuned().http_per_ip {
            Some(r) => Quota::per_minute(r.per_minute, r.burst),
            None => Quota::per_minute(limits.ip_per_minute, limits.ip_burst),
        };
        if let Decision::Limited { retry_after } = state.limiter.check(&format!("ip:{ip}"), quota).await {
            state.metrics.rate_limited.with_label_values(&["ip"]).inc();
            let res = ApiError::RateLimited { retry_after }.error_response();
            return Ok(req.into_response(res).map_into_boxed_body());
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
