//! Node-wide events on `node.broadcast` (settings changed, sessions revoked, cache entries
//! invalidated): published by the node that made the change, applied at once there, and
//! applied by every other node when the envelope arrives. Without a broker they stay local;
//! the periodic polls (settings version, denylist) remain the safety net.

use crate::infra::amqp::{AmqpBridge, PublishNode};
use actix::Addr;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeEvent {
    /// Runtime settings moved to `version`: reload.
    SettingsChanged { version: i64 },
    /// A session's access tokens are refused from now on (for `ttl_ms`, their lifetime).
    SessionRevoked { session: Uuid, ttl_ms: u64 },
    /// A user may no longer use any token (disabled, banned).
    UserDenied { user: Uuid },
    /// A cached entry changed: drop it.
    Invalidate { key: String },
}

/// Where events are applied on this node (set once the node's parts exist).
pub type EventSink = Arc<dyn Fn(NodeEvent) + Send + Sync>;

/// Publishes node events; cheap to clone.
#[derive(Clone, Default)]
pub struct NodeBus {
    bridge: Option<Addr<AmqpBridge>>,
    sink: Arc<OnceLock<EventSink>>,
}

impl NodeBus {
    pub fn new(bridge: Option<Addr<AmqpBridge>>) -> Self {
        NodeBus { bridge, sink: Arc::new(OnceLock::new()) }
    }

    /// Where this node applies events, its own and other nodes'. Set once.
    pub fn set_sink(&self, sink: EventSink) {
        let _ = self.sink.set(sink);
    }

    /// Applies an event that came from another node.
    pub fn apply(&self, event: NodeEvent) {
        if let Some(sink) = self.sink.get() {
            sink(event);
        }
    }

    /// Tells every other node (this one has already applied the change itself).
    pub fn publish(&self, event: NodeEvent) {
        if let Some(bridge) = &self.bridge {
            bridge.do_send(PublishNode(event));
        }
    }
}
