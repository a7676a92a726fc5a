//! Every runtime setting this node understands: its key, what it does, its default, and how a
//! value is checked. Unknown keys are refused.

use super::SettingsError;
use crate::automod::rules;
use serde_json::{Value, json};

pub const BANNED_WORDS: &str = "chat.banned_words";
/// Automatic moderation rules (`automod::rules::RuleSpec` each).
pub const AUTOMOD_RULES: &str = "automod.rules";
/// `{"one_from": 5, "two_from": 9}`: words of at least that many letters match with one, two typos.
pub const SEARCH_TYPOS: &str = "search.typos";
/// Seconds a party has to answer an offer (unset: `offers.expiry_secs` of the config file).
pub const OFFER_EXPIRY: &str = "offers.expiry_secs";
/// Whether `POST /auth/register` (and a first OAuth sign-in) may create accounts.
pub const REGISTRATION_OPEN: &str = "registration.open";
/// `{"per_minute": n, "burst": m}` per client IP over `/api`.
pub const RATE_HTTP_PER_IP: &str = "rate_limits.http_per_ip";
/// `{"per_minute": n, "burst": m}` chat sends per user.
pub const RATE_CHAT_SEND: &str = "rate_limits.chat_send";
/// Login attempts per IP and minute.
pub const RATE_LOGIN_PER_IP: &str = "rate_limits.login_per_ip_per_minute";
/// Reports per reporter and hour.
pub const RATE_REPORTS: &str = "rate_limits.reports_per_hour";
/// Bytes of one track upload.
pub const UPLOAD_MAX_BYTES: &str = "uploads.max_track_bytes";
/// Bytes per user: tracks plus unfinished uploads.
pub const UPLOAD_QUOTA_BYTES: &str = "uploads.quota_bytes";

/// Bounds of the keys that are one whole number.
const COUNTS: &[(&str, u64, u64)] = &[
    (OFFER_EXPIRY, 1, 2_592_000),
    (RATE_LOGIN_PER_IP, 1, 1_000_000),
    (RATE_REPORTS, 1, 10_000),
    (UPLOAD_MAX_BYTES, 1024, 1 << 40),
    (UPLOAD_QUOTA_BYTES, 1024, 1 << 50),
];
/// A rate's two numbers are each within this.
const RATE_MAX: u64 = 1_000_000_000;

/// A known key.
pub struct Key {
    pub key: &'static str,
    pub description: &'static str,
    /// What applies while the key is not set.
    pub default: fn() -> Value,
}

pub const KNOWN: &[Key] = &[
    Key {
        key: AUTOMOD_RULES,
        description: "automatic moderation rules: words, regex, mentions, flood; block, flag or timeout",
        default: || json!([]),
    },
    Key { key: BANNED_WORDS, description: "words refused in chat messages (a block rule)", default: || json!([]) },
    Key {
        key: OFFER_EXPIRY,
        description: "seconds a party has to answer an offer (null: the config file's offers.expiry_secs)",
        default: || Value::Null,
    },
    Key {
        key: RATE_HTTP_PER_IP,
        description: "requests per client IP over /api: {per_minute, burst} (null: the config file's rate_limit)",
        default: || Value::Null,
    },
    Key {
        key: RATE_CHAT_SEND,
        description: "chat messages per user: {per_minute, burst} (null: the config file's chat.send_*)",
        default: || Value::Null,
    },
    Key {
        key: RATE_LOGIN_PER_IP,
        description: "login attempts per IP and minute (null: the config file's auth.login_ip_per_minute)",
        default: || Value::Null,
    },
    Key {
        key: RATE_REPORTS,
        description: "reports per reporter and hour (null: the config file's reports.per_reporter_per_hour)",
        default: || Value::Null,
    },
    Key {
        key: UPLOAD_MAX_BYTES,
        description: "bytes of one track upload (null: the config file's tracks.max_upload_bytes)",
        default: || Value::Null,
    },
    Key {
        key: UPLOAD_QUOTA_BYTES,
        description: "bytes per user, tracks and unfinished uploads (null: the config file's tracks.quota_bytes)",
        default: || Value::Null,
    },
    Key {
        key: REGISTRATION_OPEN,
        description: "whether new accounts may register (and sign in with OAuth for the first time)",
        default: || json!(true),
    },
    Key {
        key: SEARCH_TYPOS,
        description: "word lengths from which search forgives one and two typos",
        default: || json!({ "one_from": 5, "two_from": 9 }),
    },
];

/// The known key named `key`.
pub fn known(key: &str) -> Option<&'static Key> {
    KNOWN.iter().find(|k| k.key == key)
}

/// Checks a value for a key.
pub fn validate(key: &str, value: &Value) -> Result<(), SettingsError> {
    let invalid = |why: &str| SettingsError::Invalid(key.into(), why.into());
    match key {
        BANNED_WORDS => {
            let items = value.as_array().ok_or_else(|| invalid("must be a list of words"))?;
            if items.len() > 1000 {
                return Err(invalid("at most 1000 words"));
            }
            let ok = items.iter().all(|w| w.as_str().is_some_and(|s| !s.trim().is_empty() && s.chars().count() <= 64));
            if !ok {
                return Err(invalid("each word is a string of 1 to 64 characters"));
            }
            Ok(())
        }
        AUTOMOD_RULES => rules::compile(value).map(|_| ()).map_err(|e| invalid(&e)),
        SEARCH_TYPOS => typos(value)
            .map(|_| ())
            .ok_or_else(|| invalid("{\"one_from\": n, \"two_from\": m} with 1 <= n < m <= 41 (letters)")),
        REGISTRATION_OPEN => value.as_bool().map(|_| ()).ok_or_else(|| invalid("true or false")),
        RATE_HTTP_PER_IP | RATE_CHAT_SEND => rate(value)
            .map(|_| ())
            .ok_or_else(|| invalid(&format!("{{\"per_minute\": n, \"burst\": m}}, each 1 to {RATE_MAX}"))),
        other => match COUNTS.iter().find(|(k, _, _)| *k == other) {
            Some((_, min, max)) => {
                count(other, value).map(|_| ()).ok_or_else(|| invalid(&format!("a whole number from {min} to {max}")))
            }
            None => Err(SettingsError::Unknown(other.into())),
        },
    }
}

/// `(per_minute, burst)` of a rate key's value, if well formed.
pub fn rate(value: &Value) -> Option<(u32, u32)> {
    let field =
        |k: &str| value.get(k)?.as_u64().filter(|n| (1..=RATE_MAX).contains(n)).and_then(|n| u32::try_from(n).ok());
    let only_those = value.as_object().is_some_and(|o| o.len() == 2);
    only_those.then_some((field("per_minute")?, field("burst")?))
}

/// The number a count key (`COUNTS`) holds, if within its bounds.
pub fn count(key: &str, value: &Value) -> Option<u64> {
    let (_, min, max) = COUNTS.iter().find(|(k, _, _)| *k == key)?;
    value.as_u64().filter(|n| (*min..=*max).contains(n))
}

/// `(one_from, two_from)` of a `search.typos` value, if well formed.
pub fn typos(value: &Value) -> Option<(usize, usize)> {
    let field = |k: &str| value.get(k)?.as_u64().and_then(|n| usize::try_from(n).ok());
    let (one, two) = (field("one_from")?, field("two_from")?);
    let only_those = value.as_object().is_some_and(|o| o.len() == 2);
    (only_those && (1..two).contains(&one) && two <= 41).then_some((one, two))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banned_words_validation() {
        assert!(validate(BANNED_WORDS, &json!(["spam", "scam"])).is_ok());
        assert!(validate(BANNED_WORDS, &json!("spam")).is_err());
        assert!(validate(BANNED_WORDS, &json!([""])).is_err());
        assert!(validate(BANNED_WORDS, &json!([1])).is_err());
        assert!(matches!(validate("nope", &json!(1)), Err(SettingsError::Unknown(_))));
        assert!(validate(REGISTRATION_OPEN, &json!(false)).is_ok());
        assert!(validate(REGISTRATION_OPEN, &json!("no")).is_err());
    }

    #[test]
    fn every_default_is_valid() {
        for k in KNOWN.iter().filter(|k| !(k.default)().is_null()) {
            assert!(validate(k.key, &(k.default)()).is_ok(), "{}", k.key);
        }
        assert!(validate(OFFER_EXPIRY, &json!(3600)).is_ok());
        assert!(validate(OFFER_EXPIRY, &json!(0)).is_err());
    }

    #[test]
    fn limits_are_checked_against_their_bounds() {
        assert!(validate(RATE_CHAT_SEND, &json!({"per_minute": 60, "burst": 10})).is_ok());
        for bad in [
            json!({"per_minute": 0, "burst": 1}),
            json!({"per_minute": 5}),
            json!(5),
            json!({"per_minute": 5, "burst": 5, "x": 1}),
        ] {
            assert!(validate(RATE_HTTP_PER_IP, &bad).is_err(), "{bad}");
        }
        assert!(validate(UPLOAD_MAX_BYTES, &json!(1_000_000)).is_ok());
        assert!(validate(UPLOAD_MAX_BYTES, &json!(10)).is_err(), "under a KiB");
        assert!(validate(RATE_REPORTS, &json!(-1)).is_err());
        assert!(validate(RATE_LOGIN_PER_IP, &json!(1.5)).is_err());
        assert_eq!(count(UPLOAD_QUOTA_BYTES, &json!(4096)), Some(4096));
    }

    #[test]
    fn search_typos_validation() {
        assert!(validate(SEARCH_TYPOS, &json!({"one_from": 4, "two_from": 8})).is_ok());
        assert_eq!(typos(&json!({"one_from": 4, "two_from": 8})), Some((4, 8)));
        for bad in [
            json!({"one_from": 8, "two_from": 8}),
            json!({"one_from": 0, "two_from": 3}),
            json!({"one_from": 5}),
            json!({"one_from": 5, "two_from": 9, "x": 1}),
            json!({"one_from": 5, "two_from": 99}),
            json!([5, 9]),
        ] {
            assert!(validate(SEARCH_TYPOS, &bad).is_err(), "{bad}");
        }
    }
}
