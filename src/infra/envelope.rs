//! What travels between nodes over RabbitMQ: one MessagePack envelope per room frame, user
//! frame or node event, named by the node it came from.

use super::events::NodeEvent;
use serde::{Deserialize, Serialize};
use veza_actors::conn::UserControl;
use veza_actors::protocol::ServerFrame;
use veza_core::{RoomId, Seq, UserId};

/// What travels between nodes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub origin: String,
    pub kind: EnvelopeKind,
    pub room: Option<RoomId>,
    pub user: Option<UserId>,
    pub seq: Option<Seq>,
    pub frame: Option<ServerFrame>,
    pub event: Option<NodeEvent>,
    /// A backend's order for a user's connections (kind `user`, no frame).
    /// Absent when `None`: envelopes without one keep the bytes older nodes know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<UserControl>,
    /// When it was published (µs since the epoch), for the receiver's fan-out latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_us: Option<u64>,
    /// W3C `traceparent` of the span that published it (tracing on): the receiving node's
    /// spans join the same trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

impl Envelope {
    /// A frame or an order for every connection of `user`, on `user.<id>`.
    pub fn user(origin: String, user: UserId, frame: Option<ServerFrame>, control: Option<UserControl>) -> Self {
        Envelope {
            origin,
            kind: EnvelopeKind::User,
            room: None,
            user: Some(user),
            seq: None,
            frame,
            event: None,
            control,
            sent_at_us: None,
            traceparent: None,
        }
    }

    /// A node event from `origin`, for every node on `node.broadcast`.
    pub fn node(origin: String, event: NodeEvent) -> Self {
        Envelope {
            origin,
            kind: EnvelopeKind::Node,
            room: None,
            user: None,
            seq: None,
            frame: None,
            event: Some(event),
            control: None,
            sent_at_us: None,
            traceparent: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeKind {
    Room,
    User,
    Node,
}

/// Microseconds since the epoch, for `sent_at_us`.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

pub fn encode(e: &Envelope) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    let mut ser = rmp_serde::Serializer::new(&mut buf).with_struct_map().with_human_readable();
    match e.serialize(&mut ser) {
        Ok(()) => buf,
        Err(_) => Vec::new(),
    }
}

pub fn decode(data: &[u8]) -> Option<Envelope> {
    let mut de = rmp_serde::Deserializer::new(data).with_human_readable();
    Envelope::deserialize(&mut de).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip() {
        let env = Envelope {
            origin: "n1".into(),
            kind: EnvelopeKind::Room,
            room: Some(RoomId::from_u128(5)),
            user: None,
            seq: Some(Seq(9)),
            frame: Some(ServerFrame::Pong),
            event: None,
            control: None,
            sent_at_us: Some(7),
            traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
        };
        let back = decode(&encode(&env));
        assert_eq!(
            back.as_ref().map(|e| (e.origin.as_str(), e.kind, e.seq, e.sent_at_us)),
            Some(("n1", EnvelopeKind::Room, Some(Seq(9)), Some(7)))
        );
        assert_eq!(back.and_then(|e| e.traceparent).as_deref().map(str::len), Some(55));
        assert!(decode(b"garbage").is_none());
        let node = Envelope::node("n2".into(), NodeEvent::SettingsChanged { version: 4 });
        let back = decode(&encode(&node)).and_then(|e| e.event);
        assert_eq!(back, Some(NodeEvent::SettingsChanged { version: 4 }));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// A corrupted or foreign message on the node's queue is skipped, never a panic in the bridge.
        #[test]
        fn any_bytes_decode_to_an_envelope_or_nothing(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
            let _ = decode(&bytes);
        }

        /// A valid envelope cut short anywhere is refused, not half-read into a panic.
        #[test]
        fn truncated_envelopes_decode_to_nothing_or_a_whole_one(cut in 0usize..64) {
            let env = Envelope::node("n1".into(), NodeEvent::Invalidate { key: "listing:k".into() });
            let bytes = encode(&env);
            let cut = cut.min(bytes.len());
            let back = decode(&bytes[..cut]);
            proptest::prop_assert!(back.is_none() || cut == bytes.len());
        }
    }
}
