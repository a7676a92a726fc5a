//! One tracing span per request (carrying the request id, so every log line of the request
//! has it), one access-log line, and the HTTP metrics labelled by route pattern.

use super::request_id::RequestId;
use crate::state::AppState;
use crate::telemetry::continue_trace;
use crate::web::client::is_trusted;
use crate::web::error::ProblemCode;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use std::time::Instant;
use tracing::Instrument;

/// Label for requests that matched no route: raw paths would make cardinality unbounded.
const UNMATCHED: &str = "unmatched";

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let method = req.method().clone();
    // The route pattern from the app's resource map (known before routing): low-cardinality
    // names for the span and labels for the metrics.
    let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        path = %req.path(),
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = state.as_ref().filter(|_| veza_actors::trace::on()) {
        let traceparent = req.headers().get("traceparent").and_then(|v| v.to_str().ok());
        let trusted = req.peer_addr().is_some_and(|a| is_trusted(&a.ip(), &state.config.server.trusted_proxies));
        continue_trace(&span, traceparent, trusted, state.config.telemetry.sample_ratio);
    }
    let res = next.call(req).instrument(span.clone()).await?;
    let status = res.status();
    let elapsed = started.elapsed();
    span.record("http.response.status_code", status.as_u16());
    if let Some(state) = state {
        let m = &state.metrics;
        m.http_requests.with_label_values(&[method.as_str(), &route, status.as_str()]).inc();
        m.http_duration.with_label_values(&[method.as_str(), &route]).observe(elapsed.as_secs_f64());
        m.http_responses.with_label_values(&[status_class(status.as_u16())]).inc();
        if let Some(ProblemCode(code)) = res.response().extensions().get::<ProblemCode>().copied() {
            m.http_problems.with_label_values(&[code.as_str()]).inc();
        }
    }
    let _enter = span.enter();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    // Probes and scrapes would drown the log; they stay at debug.
    if matches!(route.as_str(), "/health" | "/ready" | "/metrics") && status.is_success() {
        tracing::debug!(status = status.as_u16(), latency_ms, %route, "served");
    } else if status.is_server_error() {
        tracing::error!(status = status.as_u16(), latency_ms, %route, "served");
    } else {
        tracing::info!(status = status.as_u16(), latency_ms, %route, "served");
    }
    Ok(res)
}

/// `2xx`… for a status code (anything outside 100-599 counts with its hundred clamped).
fn status_class(status: u16) -> &'static str {
    match status / 100 {
        0 | 1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}
