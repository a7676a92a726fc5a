//! Node-wide events on `node.broadcast` (settings changed, sessions revoked, cache entries
//! invalidated): published by the node that made the change, applied at once there, and
//! applied by every other node when the envelope arrives. Without a broker they stay local;
//! the periodic polls (settings version, denylist) remain the safety net.
//!
//! The bus is created first, before anything that publishes or applies an event: what it is
//! handed to apply goes into a channel (`NodeInbox`), which the node drains once its parts
//! exist (`InboxReceiver::run`), so an event that arrives during start waits, never vanishes.
//! Publishing goes to whoever took `PublishNode` (the broker bridge), given at construction.

use actix::{Message, Recipient};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeEvent {
    /// Runtime settings moved to `version`: reload.
    SettingsChanged { version: i64 },
    /// A session's access tokens are refused from now on (for `ttl_ms`, their lifetime).
    SessionRevoked { session: Uuid, ttl_ms: u64 },
    /// A user may no longer use any token (suspended, banned, deleted), until `until` when
    /// a suspension has an end.
    UserDenied {
        user: Uuid,
        #[serde(default)]
        until: Option<DateTime<Utc>>,
    },
    /// A user is active again (suspension or ban lifted).
    UserAllowed { user: Uuid },
    /// An automatic moderation rule timed a user out: no chat message until `until`.
    UserTimedOut { user: Uuid, until: DateTime<Utc> },
    /// A cached entry changed: drop it.
    Invalidate { key: String },
}

/// A node event for every other node (the broker bridge publishes it on `node.broadcast`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct PublishNode(pub NodeEvent);

/// Where events to apply on this node go; cheap to clone.
#[derive(Clone)]
pub struct NodeInbox(mpsc::UnboundedSender<NodeEvent>);

impl NodeInbox {
    /// Applies `event` on this node (queued until the node drains its inbox).
    pub fn apply(&self, event: NodeEvent) {
        // Err only when the node has stopped draining: it is shutting down.
        let _ = self.0.send(event);
    }
}

/// The other end of the inbox, drained once by the node.
pub struct InboxReceiver(mpsc::UnboundedReceiver<NodeEvent>);

/// A fresh inbox: its sender for whoever applies events, its receiver for the node.
pub fn inbox() -> (NodeInbox, InboxReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    (NodeInbox(tx), InboxReceiver(rx))
}

impl InboxReceiver {
    /// Applies every event, those queued already first, in order, until every sender is gone.
    pub fn run(mut self, apply: impl Fn(NodeEvent) + 'static) -> actix_rt::task::JoinHandle<()> {
        actix_rt::spawn(async move {
            while let Some(event) = self.0.recv().await {
                apply(event);
            }
        })
    }
}

/// Publishes node events and applies them here; cheap to clone.
#[derive(Clone)]
pub struct NodeBus {
    inbox: NodeInbox,
    outbox: Option<Recipient<PublishNode>>,
}

impl NodeBus {
    /// A bus that applies into `inbox` and publishes to `outbox` (none: this node is alone).
    pub fn new(inbox: NodeInbox, outbox: Option<Recipient<PublishNode>>) -> Self {
        NodeBus { inbox, outbox }
    }

    /// Applies an event on this node (one from another node, or a change made here).
    pub fn apply(&self, event: NodeEvent) {
        self.inbox.apply(event);
    }

    /// Tells every other node (this one has already applied the change itself).
    pub fn publish(&self, event: NodeEvent) {
        if let Some(outbox) = &self.outbox {
            outbox.do_send(PublishNode(event));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[actix_rt::test]
    async fn events_applied_before_the_node_drains_its_inbox_are_kept_in_order() {
        let (tx, rx) = inbox();
        let bus = NodeBus::new(tx, None);
        // During start: nothing drains the inbox yet.
        bus.apply(NodeEvent::SettingsChanged { version: 3 });
        bus.apply(NodeEvent::Invalidate { key: "k".into() });
        bus.publish(NodeEvent::UserDenied { user: Uuid::nil(), until: None }); // alone: goes nowhere
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let task = rx.run(move |e| s.lock().unwrap().push(e));
        bus.apply(NodeEvent::SettingsChanged { version: 4 });
        drop(bus);
        task.await.unwrap();
        let got = seen.lock().unwrap().clone();
        assert_eq!(
            got,
            [
                NodeEvent::SettingsChanged { version: 3 },
                NodeEvent::Invalidate { key: "k".into() },
                NodeEvent::SettingsChanged { version: 4 }
            ]
        );
    }
}
