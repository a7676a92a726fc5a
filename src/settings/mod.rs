//! Runtime settings: one table (`settings`: key, JSON value, version), cached in every node,
//! changed only through `set` (here, the CLI, later the admin API), picked up by every node
//! through a version poll (`SettingsWatcher`, every second).

mod repo;
mod watcher;

pub use watcher::SettingsWatcher;

use crate::db::DbPool;
use crate::db::schema::settings;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

use crate::automod::engine::RuleSet;
use crate::automod::rules;

pub const BANNED_WORDS: &str = "chat.banned_words";
/// Automatic moderation rules (`automod::rules::RuleSpec` each).
pub const AUTOMOD_RULES: &str = "automod.rules";
/// `{"one_from": 5, "two_from": 9}`: words of at least that many letters match with one, two typos.
pub const SEARCH_TYPOS: &str = "search.typos";
/// Every key this node understands, with its validation.
pub const KNOWN: &[&str] = &[BANNED_WORDS, SEARCH_TYPOS, AUTOMOD_RULES];

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting `{0}` (known: {known})", known = KNOWN.join(", "))]
    Unknown(String),
    #[error("{0}: {1}")]
    Invalid(String, String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = settings)]
pub struct SettingRow {
    pub key: String,
    pub value: Value,
    pub version: i64,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Default)]
struct Snapshot {
    version: i64,
    values: HashMap<String, Value>,
    banned: HashSet<String>,
    /// `automod.rules` compiled, `chat.banned_words` first among them.
    automod: Arc<RuleSet>,
}

/// The node's cache of settings; cheap to clone.
#[derive(Clone, Default)]
pub struct Settings {
    inner: Arc<RwLock<Snapshot>>,
}

/// Checks a value for a key.
pub fn validate(key: &str, value: &Value) -> Result<(), SettingsError> {
    match key {
        BANNED_WORDS => {
            let items =
                value.as_array().ok_or_else(|| SettingsError::Invalid(key.into(), "must be a list of words".into()))?;
            if items.len() > 1000 {
                return Err(SettingsError::Invalid(key.into(), "at most 1000 words".into()));
            }
            for w in items {
                let ok = w.as_str().is_some_and(|s| !s.trim().is_empty() && s.chars().count() <= 64);
                if !ok {
                    return Err(SettingsError::Invalid(
                        key.into(),
                        "each word is a string of 1 to 64 characters".into(),
                    ));
                }
            }
            Ok(())
        }
        AUTOMOD_RULES => rules::compile(value).map(|_| ()).map_err(|e| SettingsError::Invalid(key.into(), e)),
        SEARCH_TYPOS => typos(value).map(|_| ()).ok_or_else(|| {
            SettingsError::Invalid(
                key.into(),
                "{\"one_from\": n, \"two_from\": m} with 1 <= n < m <= 41 (letters)".into(),
            )
        }),
        other => Err(SettingsError::Unknown(other.into())),
    }
}

/// `(one_from, two_from)` of a `search.typos` value, if well formed.
fn typos(value: &Value) -> Option<(usize, usize)> {
    let field = |k: &str| value.get(k)?.as_u64().and_then(|n| usize::try_from(n).ok());
    let (one, two) = (field("one_from")?, field("two_from")?);
    let only_those = value.as_object().is_some_and(|o| o.len() == 2);
    (only_those && (1..two).contains(&one) && two <= 41).then_some((one, two))
}

/// Lowercased words of a text, split on anything that is not a letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

impl Settings {
    pub fn version(&self) -> i64 {
        self.inner.read().map(|s| s.version).unwrap_or(0)
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.inner.read().ok()?.values.get(key).cloned()
    }

    /// The first banned word in `text`, if any.
    pub fn banned_word_in(&self, text: &str) -> Option<String> {
        let snap = self.inner.read().ok()?;
        if snap.banned.is_empty() {
            return None;
        }
        words(text).find(|w| snap.banned.contains(w))
    }

    /// The automatic moderation rules, compiled (`chat.banned_words` among them).
    pub fn automod(&self) -> Arc<RuleSet> {
        self.inner.read().map(|s| s.automod.clone()).unwrap_or_default()
    }

    /// The search typo thresholds, when set: `(one_from, two_from)`.
    pub fn search_typos(&self) -> Option<(usize, usize)> {
        typos(self.inner.read().ok()?.values.get(SEARCH_TYPOS)?)
    }

    /// Reloads everything from PostgreSQL.
    pub async fn reload(&self, conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        let rows = repo::all(conn).await?;
        let version = rows.iter().map(|r| r.version).max().unwrap_or(0);
        let values: HashMap<String, Value> = rows.into_iter().map(|r| (r.key, r.value)).collect();
        let banned = values
            .get(BANNED_WORDS)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(|w| w.trim().to_lowercase()).collect())
            .unwrap_or_default();
        // A stored value that no longer compiles (a rule this version refuses) leaves the rules
        // out rather than the node down; `set` refuses such values.
        let compiled = match values.get(AUTOMOD_RULES).map(rules::compile) {
            None => RuleSet::default(),
            Some(Ok(set)) => set,
            Some(Err(e)) => {
                tracing::error!(error = %e, "automod.rules does not compile; no automod rule applies");
                RuleSet::default()
            }
        };
        let automod = Arc::new(compiled.with(rules::banned_words(&banned)));
        if let Ok(mut s) = self.inner.write() {
            *s = Snapshot { version, values, banned, automod };
        }
        Ok(version)
    }

    /// Reloads when the stored version moved; returns whether it did.
    pub async fn refresh(&self, pool: &DbPool) -> QueryResult<bool> {
        let Ok(mut conn) = pool.get().await else { return Ok(false) };
        let newest = repo::newest_version(&mut conn).await?;
        if newest.unwrap_or(0) == self.version() {
            return Ok(false);
        }
        self.reload(&mut conn).await?;
        Ok(true)
    }

    /// Validates and stores a new value (a new version), then reloads this node's cache.
    pub async fn set(
        &self,
        conn: &mut AsyncPgConnection,
        key: &str,
        value: Value,
        by: Option<Uuid>,
    ) -> Result<SettingRow, SettingsError> {
        validate(key, &value)?;
        let row = repo::upsert(conn, key, &value, by).await?;
        self.reload(conn).await?;
        Ok(row)
    }

    pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<SettingRow>> {
        repo::all(conn).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn banned_words_validation() {
        assert!(validate(BANNED_WORDS, &json!(["spam", "scam"])).is_ok());
        assert!(validate(BANNED_WORDS, &json!("spam")).is_err());
        assert!(validate(BANNED_WORDS, &json!([""])).is_err());
        assert!(validate(BANNED_WORDS, &json!([1])).is_err());
        assert!(matches!(validate("nope", &json!(1)), Err(SettingsError::Unknown(_))));
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

    #[test]
    fn words_split_on_punctuation_and_lowercase() {
        let w: Vec<String> = words("Buy SPAM-now, ok?").collect();
        assert_eq!(w, ["buy", "spam", "now", "ok"]);
    }
}
