//! Connections at scale: loopback source addresses spread over 127.0.0.0/8 (one source
//! address gives ~28k ports to one target port). The open-files limit is `veza_core::limits`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Source addresses for connections to loopback targets: 127.0.1.1, 127.0.1.2, … round robin.
pub struct Sources {
    next: AtomicUsize,
    count: usize,
}

impl Sources {
    /// `count` addresses (1 keeps the kernel's choice).
    pub fn new(count: usize) -> Self {
        Sources { next: AtomicUsize::new(0), count: count.clamp(1, 250) }
    }

    fn pick(&self, target: &SocketAddr) -> Option<IpAddr> {
        if self.count <= 1 || !target.ip().is_loopback() || !target.is_ipv4() {
            return None;
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.count;
        Some(IpAddr::V4(Ipv4Addr::new(127, 0, 1, 1 + n as u8)))
    }

    /// A TCP connection to `target`, from a spread source address when it is loopback.
    pub async fn tcp(&self, target: SocketAddr) -> std::io::Result<TcpStream> {
        match self.pick(&target) {
            Some(ip) => {
                let sock = TcpSocket::new_v4()?;
                sock.bind(SocketAddr::new(ip, 0))?;
                sock.connect(target).await
            }
            None => TcpStream::connect(target).await,
        }
    }
}

/// A WebSocket to `url` (ws://host:port/path?query) over a connection from `sources`, asking
/// for `protocol` when given.
pub async fn websocket(sources: &Sources, url: &str, protocol: Option<&str>) -> Result<Ws, String> {
    let mut req = url.into_client_request().map_err(|e| e.to_string())?;
    if let Some(p) = protocol {
        req.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_str(p).map_err(|e| e.to_string())?);
    }
    let uri = req.uri();
    let host = uri.host().ok_or("no host in the URL")?.trim_matches(['[', ']']);
    let port = uri.port_u16().unwrap_or(80);
    let ip: IpAddr = match host.parse() {
        Ok(ip) => ip,
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| e.to_string())?
            .next()
            .map(|a| a.ip())
            .ok_or("host did not resolve")?,
    };
    let stream = sources.tcp(SocketAddr::new(ip, port)).await.map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let (ws, _) =
        tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(stream)).await.map_err(|e| e.to_string())?;
    Ok(ws)
}

/// `http://host:port` -> `ws://host:port`.
pub fn ws_base(url: &str) -> String {
    url.trim_end_matches('/').replacen("https://", "wss://", 1).replacen("http://", "ws://", 1)
}
