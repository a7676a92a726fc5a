//! The trace id (and span id) on every log line written inside a traced span, so a line found
//! in the logs leads to its trace and back. The OTel layer keeps a span's ids; reading them
//! needs the subscriber itself (`DispatchSlot`, filled when the subscriber is installed).

use opentelemetry::trace::TraceContextExt;
use std::fmt;
use std::sync::{Arc, OnceLock};
use tracing::{Dispatch, Event, Subscriber, dispatcher::WeakDispatch};
use tracing_opentelemetry::get_otel_context;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The installed subscriber, for the formatter: a layer that only records where it lives.
#[derive(Clone, Default)]
pub struct DispatchSlot(Arc<OnceLock<WeakDispatch>>);

impl<S: Subscriber> Layer<S> for DispatchSlot {
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.0.set(subscriber.downgrade());
    }
}

/// Wraps an event format: JSON lines get `"trace_id"` and `"span_id"` members, other lines a
/// ` trace_id=…` suffix, whenever the event happens inside a span with a valid OTel context.
pub struct WithTraceIds<F> {
    pub inner: F,
    pub slot: DispatchSlot,
    pub json: bool,
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        if !veza_actors::trace::on() {
            return self.inner.format_event(ctx, writer, event);
        }
        let ids = ctx.lookup_current().and_then(|span| {
            let dispatch = self.slot.0.get()?.upgrade()?;
            let cx = get_otel_context(&span.id(), &dispatch)?;
            let sc = cx.span().span_context().clone();
            sc.is_valid().then(|| (sc.trace_id(), sc.span_id()))
        });
        let Some((trace_id, span_id)) = ids else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::with_capacity(256);
        self.inner.format_event(ctx, Writer::new(&mut line), event)?;
        let end = line.trim_end_matches('\n').len();
        let (body, tail) = line.split_at(end);
        match (self.json, body.strip_suffix('}')) {
            (true, Some(object)) => {
                write!(writer, "{object},\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\"}}{tail}")
            }
            _ => write!(writer, "{body} trace_id={trace_id} span_id={span_id}{tail}"),
        }
    }
}
