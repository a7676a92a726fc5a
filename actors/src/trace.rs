//! The spans of a chat message: `chat.send` (a session's send, its own trace) or `chat.post`
//! (a REST or server API post, inside the request's trace), then the writer's `chat.commit`
//! (one per batch, linked to each message it carries) and `chat.deliver` (the hand-off to this
//! node's sessions and to the other nodes). Spans are only made while the node exports traces
//! (`enable`): with tracing off a message costs no span at all.

use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Span;

static ON: AtomicBool = AtomicBool::new(false);

/// Turns message spans on for this process (the node does it when it exports traces).
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

/// Whether message spans are made.
pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// A session's send: the root of the message's trace.
pub fn send_span(client_id: &str) -> Span {
    if !on() {
        return Span::none();
    }
    tracing::info_span!(parent: None, "chat.send", otel.kind = "server", client_id = %client_id)
}

/// A post made while serving a request: a child of the request's span.
pub fn post_span() -> Span {
    if !on() {
        return Span::none();
    }
    tracing::info_span!("chat.post")
}

/// One writer batch, linked to the span of each message it commits.
pub fn commit_span<'a>(size: usize, messages: impl Iterator<Item = &'a Span>) -> Span {
    if !on() {
        return Span::none();
    }
    let span = tracing::info_span!(parent: None, "chat.commit", batch_size = size);
    for m in messages {
        span.follows_from(m);
    }
    span
}

/// A committed message handed to this node's sessions and published to the others.
pub fn deliver_span(message: &Span, seq: i64) -> Span {
    if !on() || message.is_none() {
        return Span::none();
    }
    tracing::info_span!(parent: message, "chat.deliver", seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_tracing_off_a_message_makes_no_span() {
        // Nothing in this crate's tests turns tracing on.
        assert!(!on());
        assert!(send_span("c1").is_none() && post_span().is_none());
        assert!(commit_span(3, std::iter::empty()).is_none());
        assert!(deliver_span(&Span::none(), 1).is_none());
    }
}
