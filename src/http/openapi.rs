//! The OpenAPI document, generated from the handlers' annotations, served at
//! `/api/v1/openapi.json` and rendered by Swagger UI (bundled in the binary) at `/docs`.

use super::{csp_report, error, ops};
use crate::infra::health::DepState;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Veza API", description = "Realtime backend for a music community with a marketplace. Errors are application/problem+json."),
    paths(ops::health, ops::ready, ops::metrics, csp_report::report),
    components(schemas(error::Problem, ops::HealthReply, ops::ReadyReply, ops::Checks, DepState, csp_report::CspReportBody, csp_report::CspReport)),
    tags((name = "ops", description = "Liveness, readiness, metrics"), (name = "security", description = "Browser security reports"))
)]
pub struct ApiDoc;

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
