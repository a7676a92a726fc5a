//! What a chat client says on the socket, for Veza and for the peers it is compared with:
//! a bare actix-web-actors broadcaster (`loadtests/peers/bare`) and a Socket.IO 4 server
//! (`loadtests/peers/socketio`). Bodies carry `t=<send time µs> s=<step> …` for latency.

use crate::net::ws_base;
use serde_json::{Value, json};
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
    Message(String),
    /// The acked `client_id`.
    Ack(String),
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

    pub fn parse(&self, m: &Message) -> Incoming {
        match self.protocol {
            Protocol::Veza => {
                let v: Option<Value> = match m {
                    Message::Text(t) => serde_json::from_str(t.as_str()).ok(),
                    Message::Binary(b) => rmp_serde::from_slice(b).ok(),
                    _ => None,
                };
                let Some(v) = v else { return Incoming::Other };
                match v["type"].as_str() {
                    Some("message") => Incoming::Message(v["body"].as_str().unwrap_or_default().to_owned()),
                    Some("ack") => Incoming::Ack(v["client_id"].as_str().unwrap_or_default().to_owned()),
                    Some("joined") => Incoming::Ready,
                    Some("error") => Incoming::Error(v["code"].as_str().unwrap_or("error").to_owned()),
                    _ => Incoming::Other,
                }
            }
            Protocol::Bare => match m {
                Message::Text(t) => serde_json::from_str::<Value>(t.as_str())
                    .ok()
                    .and_then(|v| v["body"].as_str().map(|b| Incoming::Message(b.to_owned())))
                    .unwrap_or(Incoming::Other),
                _ => Incoming::Other,
            },
            Protocol::Socketio => match m {
                Message::Text(t) => parse_socketio(t.as_str()),
                _ => Incoming::Other,
            },
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

/// Engine.IO 4 packet types: 0 open, 2 ping, 4 message (+ Socket.IO 0 connect, 2 event).
fn parse_socketio(t: &str) -> Incoming {
    if t == "2" {
        return Incoming::Reply(Message::Text("3".into()));
    }
    if t.starts_with("40") {
        return Incoming::Ready;
    }
    if let Some(rest) = t.strip_prefix("42")
        && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(rest)
        && items.first().and_then(Value::as_str) == Some("message")
    {
        let body = items.get(1).and_then(|d| d["body"].as_str()).unwrap_or_default();
        return Incoming::Message(body.to_owned());
    }
    if t.starts_with("44") {
        return Incoming::Error(t.to_owned());
    }
    Incoming::Other
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
        assert_eq!(parse_socketio(r#"42["message",{"body":"t=5 s=1 x"}]"#), Incoming::Message("t=5 s=1 x".into()));
        assert_eq!(parse_socketio(r#"0{"sid":"x"}"#), Incoming::Other);
        assert_eq!(stamp("t=5 s=1 n=3"), Some((5, 1)));
        assert_eq!(stamp("hello"), None);
    }
}
