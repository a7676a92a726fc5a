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
