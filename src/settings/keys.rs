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
        OFFER_EXPIRY => match value.as_u64() {
            Some(1..=2_592_000) => Ok(()),
            _ => Err(invalid("whole seconds, 1 to 2592000 (30 days)")),
        },
        other => Err(SettingsError::Unknown(other.into())),
    }
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
