//! Wire frames of `/ws`, and their two encodings: `veza.json.v1` (text) and
//! `veza.msgpack.v1` (binary, MessagePack with named fields). Only this file knows the wire.
//!
//! Server frames that go to many recipients are wrapped in [`SharedFrame`]: encoded at most once
//! per encoding, and every recipient gets the same bytes.

use bytes::Bytes;
use bytestring::ByteString;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use veza_core::{Code, MessageId, RoomId, Seq, UserId};

/// Largest frame a client may send; larger ones close the connection with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Message bodies: 1..=4,000 characters (checked by `veza_core::text::check_send`).
pub use veza_core::text::MAX_BODY_CHARS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    MsgPack,
}

impl Encoding {
    pub const JSON_PROTOCOL: &'static str = "veza.json.v1";
    pub const MSGPACK_PROTOCOL: &'static str = "veza.msgpack.v1";

    /// The subprotocol to answer for a `Sec-WebSocket-Protocol` list; JSON when none is known.
    pub fn negotiate(requested: &str) -> (Encoding, Option<&'static str>) {
        let asked: Vec<&str> = requested.split(',').map(str::trim).collect();
        if asked.contains(&Self::MSGPACK_PROTOCOL) {
            (Encoding::MsgPack, Some(Self::MSGPACK_PROTOCOL))
        } else if asked.contains(&Self::JSON_PROTOCOL) {
            (Encoding::Json, Some(Self::JSON_PROTOCOL))
        } else {
            (Encoding::Json, None)
        }
    }
}

/// `{id, username}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: UserId,
    pub username: String,
}

/// Client -> server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Join {
        room: RoomId,
        #[serde(default)]
        last_seen: Option<Seq>,
    },
    Leave {
        room: RoomId,
    },
    Send {
        room: RoomId,
        body: String,
        client_id: String,
    },
    Typing {
        room: RoomId,
    },
    Read {
        room: RoomId,
        up_to: Seq,
    },
    Ping,
}

/// Server -> client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Joined {
        room: RoomId,
        members_online: usize,
    },
    Message {
        room: RoomId,
        id: MessageId,
        seq: Seq,
        author: UserRef,
        body: String,
        sent_at: DateTime<Utc>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    Ack {
        client_id: String,
        id: MessageId,
        seq: Seq,
    },
    MessageDeleted {
        room: RoomId,
        id: MessageId,
        seq: Seq,
    },
    HistoryTruncated {
        room: RoomId,
        after: Seq,
        before: Seq,
    },
    Typing {
        room: RoomId,
        user: UserRef,
    },
    Read {
        room: RoomId,
        user: UserRef,
        up_to: Seq,
    },
    Presence {
        room: RoomId,
        user: UserRef,
        online: bool,
    },
    Event {
        kind: String,
        data: serde_json::Value,
    },
    /// A backend made this user a member of `room` (server API `Subscribe`): the session has
    /// joined it; messages follow.
    Subscribed {
        room: RoomId,
    },
    /// A backend removed this user from `room` (server API `Unsubscribe`): the session left it.
    Unsubscribed {
        room: RoomId,
    },
    Error {
        code: String,
        message: String,
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    Pong,
}

impl ServerFrame {
    /// An `error` frame; its code is one of the named wire codes.
    pub fn error(code: Code, message: impl Into<String>, reference: Option<String>) -> Self {
        ServerFrame::Error { code: code.as_str().to_owned(), message: message.into(), reference }
    }
}

/// Why a client frame was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("frame is not valid: {0}")]
    Invalid(String),
    #[error("text frames are JSON; this connection speaks MessagePack (binary)")]
    WrongKind,
}

pub fn decode(data: &[u8], encoding: Encoding) -> Result<ClientFrame, FrameError> {
    match encoding {
        Encoding::Json => serde_json::from_slice(data).map_err(|e| FrameError::Invalid(e.to_string())),
        Encoding::MsgPack => {
            // Human-readable: ids travel as strings, as in JSON ("the same objects").
            let mut de = rmp_serde::Deserializer::new(data).with_human_readable();
            serde::Deserialize::deserialize(&mut de).map_err(|e| FrameError::Invalid(e.to_string()))
        }
    }
}

/// JSON text of one frame. `to_string` yields a `String`, so the text needs no UTF-8 check later.
pub fn encode_json(frame: &ServerFrame) -> ByteString {
    ByteString::from(serde_json::to_string(frame).unwrap_or_else(|_| r#"{"type":"error"}"#.to_owned()))
}

/// MessagePack of one frame, with named fields and ids as strings (the same objects as JSON).
pub fn encode_msgpack(frame: &ServerFrame) -> Bytes {
    let mut buf = Vec::with_capacity(128);
    let mut ser = rmp_serde::Serializer::new(&mut buf).with_struct_map().with_human_readable();
    match serde::Serialize::serialize(frame, &mut ser) {
        Ok(()) => Bytes::from(buf),
        Err(_) => Bytes::new(),
    }
}

/// A frame for many recipients, encoded lazily once per encoding and shared.
#[derive(Debug)]
pub struct SharedFrame {
    pub frame: ServerFrame,
    json: OnceLock<ByteString>,
    msgpack: OnceLock<Bytes>,
}

impl SharedFrame {
    pub fn new(frame: ServerFrame) -> Arc<Self> {
        Arc::new(SharedFrame { frame, json: OnceLock::new(), msgpack: OnceLock::new() })
    }

    /// The JSON text; cloning shares the buffer. Kept as a `ByteString` so that each of a
    /// frame's thousand recipients writes it without re-checking it is UTF-8 (that check was
    /// ~5% of the node's fan-out profile).
    pub fn text(&self) -> ByteString {
        self.json.get_or_init(|| encode_json(&self.frame)).clone()
    }

    /// The MessagePack bytes; cloning shares the buffer.
    pub fn binary(&self) -> Bytes {
        self.msgpack.get_or_init(|| encode_msgpack(&self.frame)).clone()
    }

    /// The encoded bytes in either encoding.
    pub fn bytes(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Json => self.text().into_bytes(),
            Encoding::MsgPack => self.binary(),
        }
    }

    /// `seq` of a message or deletion frame.
    pub fn seq(&self) -> Option<Seq> {
        match &self.frame {
            ServerFrame::Message { seq, .. } | ServerFrame::MessageDeleted { seq, .. } => Some(*seq),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> RoomId {
        RoomId::from_u128(7)
    }

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn client_frames_round_trip_in_both_encodings() -> TestResult {
        let frames = [
            ClientFrame::Join { room: room(), last_seen: Some(Seq(41)) },
            ClientFrame::Join { room: room(), last_seen: None },
            ClientFrame::Leave { room: room() },
            ClientFrame::Send { room: room(), body: "hé 🎸".into(), client_id: "c-1".into() },
            ClientFrame::Typing { room: room() },
            ClientFrame::Read { room: room(), up_to: Seq(9) },
            ClientFrame::Ping,
        ];
        for f in frames {
            let json = serde_json::to_vec(&f)?;
            assert_eq!(decode(&json, Encoding::Json), Ok(f.clone()));
            let mp = rmp_serde::to_vec_named(&f)?;
            assert_eq!(decode(&mp, Encoding::MsgPack), Ok(f.clone()));
        }
        Ok(())
    }

    #[test]
    fn json_wire_shape_is_the_documented_one() -> TestResult {
        let f = decode(
            br#"{"type":"send","room":"00000000-0000-0000-0000-000000000007","body":"hi","client_id":"x"}"#,
            Encoding::Json,
        );
        assert_eq!(f, Ok(ClientFrame::Send { room: room(), body: "hi".into(), client_id: "x".into() }));
        let ack = encode_json(&ServerFrame::Ack { client_id: "x".into(), id: MessageId(3), seq: Seq(2) });
        assert_eq!(&ack[..], r#"{"type":"ack","client_id":"x","id":3,"seq":2}"#);
        let err = encode_json(&ServerFrame::error(Code::Muted, "you are muted", Some("x".into())));
        let v: serde_json::Value = serde_json::from_str(&err)?;
        assert_eq!(v["ref"], "x");
        assert_eq!(v["type"], "error");
        Ok(())
    }

    #[test]
    fn malformed_and_unknown_frames_are_errors_not_panics() {
        for bad in [
            &b"{"[..],
            b"[]",
            b"{\"type\":\"dance\"}",
            b"{\"type\":\"join\"}",
            b"{\"type\":\"send\",\"room\":\"nope\"}",
            b"\xff\xfe",
            b"",
        ] {
            assert!(decode(bad, Encoding::Json).is_err(), "{bad:?}");
            assert!(decode(bad, Encoding::MsgPack).is_err(), "{bad:?}");
        }
        // Unknown fields are ignored, so newer clients still talk to older servers.
        let extra = br#"{"type":"ping","client_version":2}"#;
        assert_eq!(decode(extra, Encoding::Json), Ok(ClientFrame::Ping));
    }

    #[test]
    fn shared_frames_encode_once_and_share_bytes() -> TestResult {
        let f = SharedFrame::new(ServerFrame::Pong);
        let a = f.bytes(Encoding::Json);
        let b = f.bytes(Encoding::Json);
        assert_eq!(a.as_ptr(), b.as_ptr(), "same buffer, not a copy");
        let m: ServerFrame = rmp_serde::from_slice(&f.bytes(Encoding::MsgPack))?;
        assert_eq!(m, ServerFrame::Pong);
        Ok(())
    }

    #[test]
    fn subprotocol_negotiation() {
        assert_eq!(Encoding::negotiate("veza.msgpack.v1"), (Encoding::MsgPack, Some("veza.msgpack.v1")));
        assert_eq!(Encoding::negotiate("foo, veza.json.v1"), (Encoding::Json, Some("veza.json.v1")));
        assert_eq!(Encoding::negotiate(""), (Encoding::Json, None));
    }
}
