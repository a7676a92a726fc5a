//! Who is calling. The client's IP: the TCP peer, unless the peer is a trusted proxy, in which
//! case the nearest untrusted hop of `X-Forwarded-For` (a client can prepend anything it likes,
//! so the list is read from the right). The rate-limit middleware resolves it once per request
//! and keeps it in the request's extensions (`ClientIp`); handlers read it with `client_info`.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest};
use ipnet::IpNet;
use std::net::IpAddr;

/// The resolved client address, in request extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The id of the request being served, in request extensions (set by the app's outermost
/// middleware, `http::request_id`).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Who is calling, for sessions and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The request's id, so an audited action names the request (and its log lines).
    pub request_id: Option<String>,
}

/// IP, user agent and request id of the caller.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    let ip = req.extensions().get::<ClientIp>().map(|c| c.0.to_string());
    let user_agent =
        req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(256).collect());
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    ClientInfo { ip, user_agent, request_id }
}

/// Whether `ip` is one of the trusted proxies (`server.trusted_proxies`).
pub fn is_trusted(ip: &IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(ip))
}

pub fn client_ip(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| is_trusted(ip, trusted);
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(xff) = forwarded_for else {
        return Some(peer);
    };
    let hops: Vec<IpAddr> = xff.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    // Every hop trusted: the leftmost is as close to a client as we know.
    hops.iter().rev().find(|ip| !is_trusted(ip)).or(hops.first()).copied().or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Literals below are valid; a typo shows up as a failed assertion on 0.0.0.0.
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = [net("10.0.0.0/8")];
        assert_eq!(client_ip(Some(ip("203.0.113.9")), Some("1.2.3.4"), &trusted), Some(ip("203.0.113.9")));
    }

    #[test]
    fn trusted_peer_yields_the_nearest_untrusted_hop() {
        let trusted = [net("10.0.0.0/8")];
        let got = client_ip(Some(ip("10.0.0.2")), Some("6.6.6.6, 198.51.100.7, 10.0.0.1"), &trusted);
        assert_eq!(got, Some(ip("198.51.100.7")), "a spoofed leftmost entry is ignored");
        assert_eq!(client_ip(Some(ip("10.0.0.2")), None, &trusted), Some(ip("10.0.0.2")));
        assert_eq!(client_ip(Some(ip("10.0.0.2")), Some("garbage"), &trusted), Some(ip("10.0.0.2")));
        assert_eq!(client_ip(Some(ip("10.0.0.2")), Some("10.1.1.1"), &trusted), Some(ip("10.1.1.1")));
    }
}
