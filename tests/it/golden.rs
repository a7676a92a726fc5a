//! The wire, byte for byte: the OpenAPI document, a chat frame in JSON and in MessagePack, and
//! the envelopes nodes exchange over RabbitMQ. The files under `tests/golden/` were captured
//! before the code behind them was reorganised; a refactor must leave them identical.
//! `VEZA_BLESS=1` rewrites them (for a deliberate change of the wire, reviewed in the diff).

use chrono::{TimeZone, Utc};
use std::path::PathBuf;
use uuid::Uuid;
use veza::infra::envelope::{self, Envelope, EnvelopeKind};
use veza::infra::events::NodeEvent;
use veza_actors::protocol::{ServerFrame, UserRef, encode_json, encode_msgpack};
use veza_core::Code;
use veza_core::{MessageId, RoomId, Seq, UserId};

fn golden(name: &str, actual: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("VEZA_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        expected == actual,
        "{name} changed on the wire; diff it against {} (VEZA_BLESS=1 to accept)",
        path.display()
    );
}

fn hex(bytes: &[u8]) -> Vec<u8> {
    let mut out: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    out.push('\n');
    out.into_bytes()
}

fn message_frame() -> ServerFrame {
    ServerFrame::Message {
        room: RoomId::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0007),
        id: MessageId(4_200_000_001),
        seq: Seq(77),
        author: UserRef { id: UserId::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0042), username: "ana".into() },
        body: "hé 🎸 \"quoted\"".into(),
        sent_at: Utc.timestamp_millis_opt(1_764_633_600_123).single().unwrap(),
        client_id: Some("c-1".into()),
    }
}

fn error_frame() -> ServerFrame {
    ServerFrame::error(Code::NotAMember, "you are not a member of this room", Some("c-2".into()))
}

#[test]
fn openapi_document_is_unchanged() {
    let doc = veza::http::openapi_doc();
    let mut json = serde_json::to_vec_pretty(&doc).unwrap();
    json.push(b'\n');
    golden("openapi.json", &json);
}

#[test]
fn json_frames_are_unchanged() {
    let mut text = String::new();
    for f in [message_frame(), error_frame()] {
        text.push_str(&encode_json(&f));
        text.push('\n');
    }
    golden("frames.jsonl", text.as_bytes());
}

#[test]
fn msgpack_frames_are_unchanged() {
    let mut out = Vec::new();
    for f in [message_frame(), error_frame()] {
        out.extend(hex(&encode_msgpack(&f)));
    }
    golden("frames.msgpack.hex", &out);
}

#[test]
fn rabbitmq_envelopes_are_unchanged() {
    let room = RoomId::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0007);
    let user = UserId::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0042);
    let mut envelopes = vec![
        Envelope {
            origin: "node-a".into(),
            kind: EnvelopeKind::Room,
            room: Some(room),
            user: None,
            seq: Some(Seq(77)),
            frame: Some(message_frame()),
            event: None,
            control: None,
            sent_at_us: None,
            traceparent: None,
        },
        Envelope {
            origin: "node-a".into(),
            kind: EnvelopeKind::User,
            room: None,
            user: Some(user),
            seq: None,
            frame: Some(error_frame()),
            event: None,
            control: None,
            sent_at_us: None,
            traceparent: None,
        },
    ];
    for event in [
        NodeEvent::SettingsChanged { version: 12 },
        NodeEvent::SessionRevoked { session: Uuid::from_u128(9), ttl_ms: 900_000 },
        NodeEvent::UserDenied { user: user.uuid(), until: None },
        NodeEvent::UserDenied { user: user.uuid(), until: Utc.timestamp_millis_opt(1_764_720_000_000).single() },
        NodeEvent::UserAllowed { user: user.uuid() },
        NodeEvent::Invalidate { key: "listing:0193".into() },
    ] {
        envelopes.push(Envelope::node("node-b".into(), event));
    }
    let mut out = Vec::new();
    for e in &envelopes {
        out.extend(hex(&envelope::encode(e)));
    }
    golden("envelopes.msgpack.hex", &out);
}
