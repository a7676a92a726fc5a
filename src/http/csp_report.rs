//! `POST /api/v1/csp-reports`: browsers report Content-Security-Policy violations here (the
//! `report-uri` of our CSP). Each report is validated, logged and counted by directive.

use crate::state::AppState;
use crate::web::error::{ApiError, Problem};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use utoipa::ToSchema;
use validator::Validate;

/// Directives we count by name; anything else is `other`, keeping the label set bounded.
const KNOWN: &[&str] = &[
    "default-src",
    "script-src",
    "script-src-elem",
    "script-src-attr",
    "style-src",
    "style-src-elem",
    "style-src-attr",
    "img-src",
    "connect-src",
    "font-src",
    "frame-src",
    "frame-ancestors",
    "form-action",
    "base-uri",
    "media-src",
    "object-src",
    "worker-src",
    "manifest-src",
];

/// The legacy `report-uri` body: `{"csp-report": {...}}`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CspReportBody {
    #[serde(rename = "csp-report")]
    #[validate(nested)]
    pub report: CspReport,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CspReport {
    #[validate(length(min = 1, max = 2048), url)]
    pub document_uri: String,
    #[validate(length(min = 1, max = 256))]
    pub violated_directive: String,
    #[serde(default)]
    #[validate(length(max = 256))]
    pub effective_directive: Option<String>,
    #[serde(default)]
    #[validate(length(max = 2048))]
    pub blocked_uri: Option<String>,
    #[serde(default)]
    #[validate(length(max = 4096))]
    pub original_policy: Option<String>,
}

/// Browsers send `application/csp-report`; tools send JSON.
pub fn accepts(mime: mime::Mime) -> bool {
    let essence = mime.essence_str();
    essence == "application/csp-report" || essence == "application/json"
}

/// Record a CSP violation report.
#[utoipa::path(
    post,
    path = "/api/v1/csp-reports",
    tag = "security",
    request_body(content = CspReportBody, content_type = "application/csp-report"),
    responses(
        (status = 204, description = "recorded"),
        (status = 400, body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, body = Problem),
        (status = 429, body = Problem),
    )
)]
pub async fn report(state: web::Data<AppState>, body: web::Json<CspReportBody>) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let r = &body.report;
    let directive = r.effective_directive.as_deref().unwrap_or(&r.violated_directive);
    let name = directive.split_whitespace().next().unwrap_or_default();
    let label = KNOWN.iter().find(|k| **k == name).copied().unwrap_or("other");
    state.metrics.csp_reports.with_label_values(&[label]).inc();
    // Anyone may post reports, so the log line is sampled (the metric counts every one).
    if let Some(suppressed) = LOG_SAMPLE.admit(now_ms()) {
        tracing::warn!(
            document = %r.document_uri,
            directive = %r.violated_directive,
            blocked = r.blocked_uri.as_deref().unwrap_or(""),
            suppressed,
            "csp violation reported"
        );
    }
    Ok(HttpResponse::NoContent().finish())
}

/// At most one CSP log line per second per node; the line says how many were not logged since.
static LOG_SAMPLE: Sampler = Sampler::new(1000);

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Lets one event through per `every_ms`; counts the others.
struct Sampler {
    every_ms: u64,
    next_at: AtomicU64,
    suppressed: AtomicU64,
}

impl Sampler {
    const fn new(every_ms: u64) -> Self {
        Sampler { every_ms, next_at: AtomicU64::new(0), suppressed: AtomicU64::new(0) }
    }

    /// `Some(events suppressed since the last one admitted)` when this one may be logged.
    fn admit(&self, now_ms: u64) -> Option<u64> {
        let next = self.next_at.load(Ordering::Relaxed);
        if now_ms >= next
            && self.next_at.compare_exchange(next, now_ms + self.every_ms, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::AcqRel));
        }
        self.suppressed.fetch_add(1, Ordering::AcqRel);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Sampler;

    #[test]
    fn one_line_per_period_saying_how_many_were_skipped() {
        let s = Sampler::new(1000);
        assert_eq!(s.admit(5_000), Some(0));
        assert_eq!(s.admit(5_100), None);
        assert_eq!(s.admit(5_999), None);
        assert_eq!(s.admit(6_000), Some(2));
        assert_eq!(s.admit(6_000), None);
        assert_eq!(s.admit(9_000), Some(1));
    }
}
