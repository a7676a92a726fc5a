//! OpenTelemetry traces over OTLP/gRPC (`telemetry.otlp_endpoint`), W3C `traceparent` in and
//! out, and the trace id on every log line. Off by default: then no exporter, no OTel layer and
//! no message spans (`veza_actors::trace`).

mod exporter;
mod log_ids;
mod propagation;
mod sampler;

pub use exporter::{Tracing, TracingError};
pub use log_ids::{DispatchSlot, WithTraceIds};
pub use propagation::{continue_trace, current_traceparent, follow_traceparent};
