//! W3C trace context in and out: `traceparent` on HTTP requests (a caller's sampled flag is
//! believed only from a trusted proxy) and in the RabbitMQ envelope between nodes.

use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::collections::HashMap;
use tracing_opentelemetry::OpenTelemetrySpanExt;

const TRACEPARENT: &str = "traceparent";

/// The W3C `traceparent` of the current span, to carry to another node; `None` while tracing
/// is off or outside any span.
pub fn current_traceparent() -> Option<String> {
    if !veza_actors::trace::on() {
        return None;
    }
    let cx = tracing::Span::current().context();
    if !cx.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    carrier.remove(TRACEPARENT)
}

fn extract(traceparent: &str) -> Option<SpanContext> {
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    let sc = cx.span().span_context().clone();
    sc.is_valid().then_some(sc)
}

/// Makes `span` (not yet entered) a child of a trusted `traceparent` (another node's, or a
/// trusted proxy's): its sampled flag is followed.
pub fn follow_traceparent(span: &tracing::Span, traceparent: &str) {
    if let Some(sc) = extract(traceparent) {
        let _ = span.set_parent(Context::new().with_remote_span_context(sc));
    }
}

/// Continues a caller's trace: from a trusted proxy as sent; from anyone else the trace id is
/// kept (their logs and ours line up) but whether it is recorded is decided here, with
/// `sample_ratio`, so a client cannot make the node record every request it sends.
pub fn continue_trace(span: &tracing::Span, traceparent: Option<&str>, trusted: bool, sample_ratio: f64) {
    let Some(sc) = traceparent.and_then(extract) else { return };
    let sc = match trusted {
        true => sc,
        false => {
            let flags = if draw(sample_ratio) { TraceFlags::SAMPLED } else { TraceFlags::default() };
            SpanContext::new(sc.trace_id(), sc.span_id(), flags, true, sc.trace_state().clone())
        }
    };
    let _ = span.set_parent(Context::new().with_remote_span_context(sc));
}

/// True with probability `ratio`.
fn draw(ratio: f64) -> bool {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return false;
    }
    let uniform = (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64;
    uniform < ratio
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_is_read_and_a_bad_one_ignored() {
        let sc = extract("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert_eq!(
            sc.map(|s| (s.trace_id().to_string(), s.is_sampled())),
            Some(("4bf92f3577b34da6a3ce929d0e0e4736".into(), true))
        );
        for bad in
            ["", "00-0000-00f067aa0ba902b7-01", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"]
        {
            assert!(extract(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_draw_follows_the_ratio() {
        assert!(!(0..1000).any(|_| draw(0.0)));
        assert!((0..1000).all(|_| draw(1.0)));
        let kept = (0..20_000).filter(|_| draw(0.25)).count();
        assert!((4000..6000).contains(&kept), "{kept}");
    }
}
