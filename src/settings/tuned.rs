//! The tunable keys (limits and the offer answer time) as typed values, parsed once per reload: limits an admin changes at run time
//! over the config file's (`None`: the config file's value applies).

use super::keys;
use serde_json::Value;
use std::collections::HashMap;

/// A rate: so many per minute, with a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tuned {
    /// Requests per client IP over `/api` (`rate_limit.ip_per_minute`, `ip_burst`).
    pub http_per_ip: Option<Rate>,
    /// Chat sends per user (`chat.send_per_minute`, `send_burst`).
    pub chat_send: Option<Rate>,
    /// Login attempts per IP and minute (`auth.login_ip_per_minute`).
    pub login_per_ip: Option<u32>,
    /// Reports per reporter and hour (`reports.per_reporter_per_hour`).
    pub reports_per_hour: Option<u32>,
    /// One track's upload (`tracks.max_upload_bytes`).
    pub max_track_bytes: Option<u64>,
    /// Per user: tracks and unfinished uploads (`tracks.quota_bytes`).
    pub quota_bytes: Option<u64>,
    /// Seconds a party has to answer an offer (`offers.expiry_secs`).
    pub offer_expiry_secs: Option<u64>,
}

impl Tuned {
    /// From the effective values (each checked when it was set; one that no longer reads is
    /// left to the config file).
    pub fn from_values(values: &HashMap<String, Value>) -> Tuned {
        let rate = |k: &str| values.get(k).and_then(keys::rate).map(|(per_minute, burst)| Rate { per_minute, burst });
        let count = |k: &str| values.get(k).and_then(|v| keys::count(k, v));
        let small = |k: &str| count(k).and_then(|n| u32::try_from(n).ok());
        Tuned {
            http_per_ip: rate(keys::RATE_HTTP_PER_IP),
            chat_send: rate(keys::RATE_CHAT_SEND),
            login_per_ip: small(keys::RATE_LOGIN_PER_IP),
            reports_per_hour: small(keys::RATE_REPORTS),
            max_track_bytes: count(keys::UPLOAD_MAX_BYTES),
            quota_bytes: count(keys::UPLOAD_QUOTA_BYTES),
            offer_expiry_secs: count(keys::OFFER_EXPIRY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_keys_read_typed_and_unset_ones_leave_the_config_file() {
        let values: HashMap<String, Value> = [
            (keys::RATE_CHAT_SEND.to_owned(), json!({ "per_minute": 30, "burst": 5 })),
            (keys::UPLOAD_MAX_BYTES.to_owned(), json!(1_048_576)),
            (keys::RATE_LOGIN_PER_IP.to_owned(), json!("ten")),
        ]
        .into_iter()
        .collect();
        let t = Tuned::from_values(&values);
        assert_eq!(t.chat_send, Some(Rate { per_minute: 30, burst: 5 }));
        assert_eq!(t.max_track_bytes, Some(1_048_576));
        assert_eq!((t.login_per_ip, t.http_per_ip, t.quota_bytes), (None, None, None));
    }
}
