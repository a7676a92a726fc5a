//! WebSocket client for the realtime tests: connects with optional subprotocols and bearer token.

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite};

pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a connection attempt failed, with the HTTP status when the server refused the upgrade.
#[derive(Debug)]
pub enum WsConnectError {
    Refused { status: u16, body: String },
    Other(tungstenite::Error),
}

/// Connects to `url` (ws://…), asking for `protocols` and sending `token` as a bearer.
pub async fn connect(
    url: &str,
    protocols: &[&str],
    token: Option<&str>,
) -> Result<(WsStream, Option<String>), WsConnectError> {
    let mut req = url.into_client_request().map_err(WsConnectError::Other)?;
    if !protocols.is_empty() {
        let v = HeaderValue::from_str(&protocols.join(", "))
            .map_err(|e| WsConnectError::Other(tungstenite::Error::HttpFormat(e.into())))?;
        req.headers_mut().insert("sec-websocket-protocol", v);
    }
    if let Some(t) = token {
        let v = HeaderValue::from_str(&format!("Bearer {t}"))
            .map_err(|e| WsConnectError::Other(tungstenite::Error::HttpFormat(e.into())))?;
        req.headers_mut().insert("authorization", v);
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((stream, resp)) => {
            let chosen = resp.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).map(str::to_owned);
            Ok((stream, chosen))
        }
        Err(tungstenite::Error::Http(resp)) => {
            let body = resp.body().as_ref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
            Err(WsConnectError::Refused { status: resp.status().as_u16(), body })
        }
        Err(e) => Err(WsConnectError::Other(e)),
    }
}

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// A chat client speaking JSON (or MessagePack) over `/ws`.
pub struct ChatClient {
    pub ws: WsStream,
    pub msgpack: bool,
}

impl ChatClient {
    /// Connects with `?token=`; panics when refused.
    pub async fn connect(addr: std::net::SocketAddr, token: &str) -> ChatClient {
        Self::connect_as(addr, token, false).await
    }

    pub async fn connect_as(addr: std::net::SocketAddr, token: &str, msgpack: bool) -> ChatClient {
        let url = format!("ws://{addr}/ws?token={token}");
        let protocol = if msgpack { "veza.msgpack.v1" } else { "veza.json.v1" };
        let (ws, chosen) = match connect(&url, &[protocol], None).await {
            Ok(ok) => ok,
            Err(e) => panic!("websocket refused: {e:?}"),
        };
        assert_eq!(chosen.as_deref(), Some(protocol), "the server speaks the asked subprotocol");
        ChatClient { ws, msgpack }
    }

    pub async fn send(&mut self, frame: Value) {
        let msg = if self.msgpack {
            Message::Binary(rmp_serde::to_vec_named(&frame).expect("msgpack").into())
        } else {
            Message::Text(frame.to_string().into())
        };
        self.ws.send(msg).await.expect("send");
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).await.expect("send raw");
    }

    /// The next data frame as JSON, or `None` on close/timeout.
    pub async fn next(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next()).await.ok()??.ok()?;
            match msg {
                Message::Text(t) => return serde_json::from_str(t.as_str()).ok(),
                Message::Binary(b) => return rmp_serde::from_slice(&b).ok(),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next frame of `kind`, skipping others (presence, typing…); panics on timeout.
    pub async fn expect(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(v) if v["type"] == kind => return v,
                Some(v) if v["type"] == "error" && kind != "error" => panic!("waiting for `{kind}`, got {v}"),
                Some(_) => continue,
                None => panic!("no `{kind}` frame arrived"),
            }
        }
    }

    /// Joins and waits for `joined`.
    pub async fn join(&mut self, room: &str, last_seen: Option<i64>) -> Value {
        let mut f = serde_json::json!({ "type": "join", "room": room });
        if let Some(s) = last_seen {
            f["last_seen"] = s.into();
        }
        self.send(f).await;
        self.expect("joined").await
    }

    /// The close code the server ended the connection with (skipping data frames).
    pub async fn close_code(&mut self, timeout: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.ws.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }
}

impl ChatClient {
    /// Connects with a tiny kernel receive buffer: a client that stops reading backs up fast.
    pub async fn connect_small_buffer(addr: std::net::SocketAddr, token: &str) -> ChatClient {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
        socket.set_recv_buffer_size(8 * 1024).expect("rcvbuf");
        socket.connect(&addr.into()).expect("connect");
        socket.set_nonblocking(true).expect("nonblocking");
        let stream = TcpStream::from_std(socket.into()).expect("tokio stream");
        let mut req = format!("ws://{addr}/ws?token={token}").into_client_request().expect("request");
        req.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("veza.json.v1"));
        let (ws, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(stream)).await.expect("upgrade");
        ChatClient { ws, msgpack: false }
    }
}
