//! What a chat client says on the socket, for Veza and for the peers it is compared with:
//! a bare actix-web-actors broadcaster (`loadtests/peers/bare`) and a Socket.IO 4 server
//! (`loadtests/peers/socketio`). Bodies carry `t=<send time µs> s=<step> …` for latency.

use crate::net::ws_base;
use serde::Deserialize;
use serde_json::{Value, json};
use std::borrow::Cow;
use tokio_tungstenite::tungstenite::Message;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Veza: token, join, send, ack, message (JSON or MessagePack).
    Veza,
    /// The bare broadcaster: every text frame goes to every connection; no auth, no rooms.
    Bare,
    /// Socket.IO 4 (Engine.IO 4 over WebSocket): `send` event in, `message` event out.
    Socketio,
}

#[derive(Clone, Copy, Debug)]
pub struct Wire {
    pub protocol: Protocol,
    pub msgpack: bool,
}

/// A frame from the server, as far as the load tool cares.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// A chat message, with its latency stamp (send time µs, step) when it has one.
    Message(Option<(u64, usize)>),
    /// The step of the acked send (from its `client_id`, `<run>.<step>.…`).
    Ack(Option<usize>),
    /// In the room (Veza `joined`, Socket.IO namespace connect).
    Ready,
    /// Must be answered (Socket.IO ping) with this frame.
    Reply(Message),
    Error(String),
    Other,
}

impl Wire {
    pub fn url(&self, base: &str, token: &str) -> String {
        let base = ws_base(base);
        match self.protocol {
            Protocol::Veza => format!("{base}/ws?token={token}"),
            Protocol::Bare => format!("{base}/ws"),
            Protocol::Socketio => format!("{base}/socket.io/?EIO=4&transport=websocket"),
        }
    }

    pub fn subprotocol(&self) -> Option<&'static str> {
        match (self.protocol, self.msgpack) {
            (Protocol::Veza, true) => Some("veza.msgpack.v1"),
            (Protocol::Veza, false) => Some("veza.json.v1"),
            _ => None,
        }
    }

    /// Sent right after connecting.
    pub fn hello(&self, room: &str, last_seen: Option<i64>) -> Option<Message> {
        match self.protocol {
            Protocol::Veza => {
                let mut join = json!({ "type": "join", "room": room });
                if let Some(s) = last_seen {
                    join["last_seen"] = s.into();
                }
                Some(self.encode(&join))
            }
            Protocol::Bare => None,
            Protocol::Socketio => Some(Message::Text("40".into())),
        }
    }

    /// Whether the connection is usable before any `Ready` arrives.
    pub fn ready_at_once(&self) -> bool {
        self.protocol == Protocol::Bare
    }

    pub fn send(&self, room: &str, body: &str, client_id: &str) -> Message {
        match self.protocol {
            Protocol::Veza => {
                self.encode(&json!({ "type": "send", "room": room, "body": body, "client_id": client_id }))
            }
            Protocol::Bare => Message::Text(json!({ "type": "message", "body": body }).to_string().into()),
            Protocol::Socketio => Message::Text(format!("42{}", json!(["send", { "body": body }])).into()),
        }
    }

    /// Decodes only the fields the tool reads, borrowing from the frame: the tool shares
    /// the cores with the server under test, so its own cost per frame must stay small
    /// whatever the protocol.
    pub fn parse(&self, m: &Message) -> Incoming {
        let frame: Option<Frame<'_>> = match (self.protocol, m) {
            (Protocol::Socketio, Message::Text(t)) => return parse_socketio(t.as_str()),
            (Protocol::Socketio, _) => return Incoming::Other,
            (_, Message::Text(t)) => serde_json::from_str(t.as_str()).ok(),
            (Protocol::Veza, Message::Binary(b)) => rmp_serde::from_slice(b).ok(),
            _ => None,
        };
        let Some(f) = frame else { return Incoming::Other };
        match f.kind.as_ref() {
            "message" => Incoming::Message(f.body.as_deref().and_then(stamp)),
            "ack" => Incoming::Ack(f.client_id.as_deref().and_then(|c| c.split('.').nth(1)?.parse().ok())),
            "joined" => Incoming::Ready,
            "error" => Incoming::Error(f.code.as_deref().unwrap_or("error").to_owned()),
            _ => Incoming::Other,
        }
    }

    fn encode(&self, v: &Value) -> Message {
        if self.msgpack {
            Message::Binary(rmp_serde::to_vec_named(v).unwrap_or_default().into())
        } else {
            Message::Text(v.to_string().into())
        }
    }
}

/// The fields of a server frame the tool reads (others are skipped unparsed).
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    client_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    code: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Event<'a>(#[serde(borrow)] Cow<'a, str>, #[serde(borrow)] BodyOnly<'a>);

#[derive(Deserialize)]
struct BodyOnly<'a> {
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
}

/// Engine.IO 4 packet types: 0 open, 2 ping, 4 message (+ Socket.IO 0 connect, 2 event).
fn parse_socketio(t: &str) -> Incoming {
    if t == "2" {
        return Incoming::Reply(Message::Text("3".into()));
    }
    if t.starts_with("40") {
        return Incoming::Ready;
    }
    if let Some(rest) = t.strip_prefix("42")
        && let Ok(Event(name, data)) = serde_json::from_str::<Event<'_>>(rest)
        && name == "message"
    {
        return Incoming::Message(data.body.as_deref().and_then(stamp));
    }
    if t.starts_with("44") {
        return Incoming::Error(t.to_owned());
    }
    Incoming::Other
}

/// Microseconds since the epoch: the send time in a latency stamp.
pub fn now_micros() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// Latency stamp: `t=<µs since the epoch> s=<step> …`.
pub fn stamp(body: &str) -> Option<(u64, usize)> {
    let mut parts = body.split(' ');
    let t = parts.next()?.strip_prefix("t=")?.parse().ok()?;
    let s = parts.next()?.strip_prefix("s=")?.parse().ok()?;
    Some((t, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socketio_frames() {
        assert_eq!(parse_socketio("2"), Incoming::Reply(Message::Text("3".into())));
        assert_eq!(parse_socketio(r#"40{"sid":"x"}"#), Incoming::Ready);
        assert_eq!(parse_socketio(r#"42["message",{"body":"t=5 s=1 x"}]"#), Incoming::Message(Some((5, 1))));
        assert_eq!(parse_socketio(r#"0{"sid":"x"}"#), Incoming::Other);
        assert_eq!(stamp("t=5 s=1 n=3"), Some((5, 1)));
        assert_eq!(stamp("hello"), None);
        let veza = Wire { protocol: Protocol::Veza, msgpack: false };
        let m = Message::Text(r#"{"type":"message","room":"r","author":{"id":"a"},"body":"t=9 s=2 n=1"}"#.into());
        assert_eq!(veza.parse(&m), Incoming::Message(Some((9, 2))));
        let ack = Message::Text(r#"{"type":"ack","client_id":"77.3.1.0","id":1,"seq":1}"#.into());
        assert_eq!(veza.parse(&ack), Incoming::Ack(Some(3)));
    }
}
