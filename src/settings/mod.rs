//! Runtime settings: one table (`settings`: key, JSON value, version) and its history, cached
//! in every node, changed only through `apply` (the admin API, the CLI), picked up by every node
//! at once (`NodeEvent::SettingsChanged`) or within a version poll (`SettingsWatcher`). Keys and
//! their checks live in `keys.rs`; keys an operator pins through the environment in `locks.rs`.

pub mod keys;
mod locks;
pub mod repo;
mod tuned;
mod watcher;

pub use keys::{AUTOMOD_RULES, BANNED_WORDS, KNOWN, OFFER_EXPIRY, REGISTRATION_OPEN, SEARCH_TYPOS, validate};
pub use repo::{Change, Version};
pub use tuned::{Rate, Tuned};
pub use watcher::SettingsWatcher;

pub use crate::automod::engine::words;

use crate::automod::engine::RuleSet;
use crate::automod::rules;
use crate::db::DbPool;
use crate::db::schema::settings;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting `{0}` (known: {known})", known = KNOWN.iter().map(|k| k.key).collect::<Vec<_>>().join(", "))]
    Unknown(String),
    #[error("{0}: {1}")]
    Invalid(String, String),
    #[error("`{0}` is pinned by the operator (VEZA_SETTING__…) and cannot be changed here")]
    Locked(String),
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
    /// Effective values: the stored ones, and the pinned ones over them.
    values: HashMap<String, Value>,
    banned: HashSet<String>,
    /// `automod.rules` compiled, `chat.banned_words` first among them.
    automod: Arc<RuleSet>,
    tuned: Tuned,
}

/// The node's cache of settings; cheap to clone.
#[derive(Clone, Default)]
pub struct Settings {
    inner: Arc<RwLock<Snapshot>>,
    /// Keys pinned through the environment, with their values.
    locked: Arc<HashMap<String, Value>>,
}

impl Settings {
    /// Settings with the keys pinned by `VEZA_SETTING__…` variables (`Config::setting_locks`).
    pub fn pinned(vars: &[(String, String)]) -> Result<Settings, SettingsError> {
        Ok(Settings { inner: Arc::default(), locked: Arc::new(locks::from_vars(vars.iter().cloned())?) })
    }

    pub fn version(&self) -> i64 {
        self.inner.read().map(|s| s.version).unwrap_or(0)
    }

    /// The effective value of `key` (pinned, else stored), `None` when unset.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.inner.read().ok()?.values.get(key).cloned()
    }

    /// The keys pinned through the environment.
    pub fn locked(&self) -> &HashMap<String, Value> {
        &self.locked
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
        keys::typos(self.inner.read().ok()?.values.get(SEARCH_TYPOS)?)
    }

    /// The limits admins tuned at run time (`None` where the config file's apply).
    pub fn tuned(&self) -> Tuned {
        self.inner.read().map(|s| s.tuned).unwrap_or_default()
    }

    /// Whether new accounts may register (default: yes).
    pub fn registration_open(&self) -> bool {
        self.get(REGISTRATION_OPEN).and_then(|v| v.as_bool()).unwrap_or(true)
    }

    /// Reloads everything from PostgreSQL.
    pub async fn reload(&self, conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        let rows = repo::all(conn).await?;
        let version = repo::newest_version(conn).await?.unwrap_or(0);
        let mut values: HashMap<String, Value> = rows.into_iter().map(|r| (r.key, r.value)).collect();
        values.extend(self.locked.iter().map(|(k, v)| (k.clone(), v.clone())));
        let banned = values
            .get(BANNED_WORDS)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(|w| w.trim().to_lowercase()).collect())
            .unwrap_or_default();
        // A stored value that no longer compiles (a rule this version refuses) leaves the rules
        // out rather than the node down; `apply` refuses such values.
        let compiled = match values.get(AUTOMOD_RULES).map(rules::compile) {
            None => RuleSet::default(),
            Some(Ok(set)) => set,
            Some(Err(e)) => {
                tracing::error!(error = %e, "automod.rules does not compile; no automod rule applies");
                RuleSet::default()
            }
        };
        let automod = Arc::new(compiled.with(rules::banned_words(&banned)));
        let tuned = Tuned::from_values(&values);
        if let Ok(mut s) = self.inner.write() {
            *s = Snapshot { version, values, banned, automod, tuned };
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

    /// Checks every change (known key, valid value, not pinned), stores them as one new version
    /// by `by`, and reloads this node's cache. `None` when nothing changes.
    pub async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        wanted: &[(String, Option<Value>)],
        by: Option<Uuid>,
        rollback_of: Option<i64>,
    ) -> Result<Option<Version>, SettingsError> {
        for (key, value) in wanted {
            if self.locked.contains_key(key) {
                return Err(SettingsError::Locked(key.clone()));
            }
            match value {
                Some(v) => validate(key, v)?,
                None if keys::known(key).is_none() => return Err(SettingsError::Unknown(key.clone())),
                None => {}
            }
        }
        let version = repo::apply(conn, wanted, by, rollback_of).await?;
        self.reload(conn).await?;
        Ok(version)
    }

    /// One key (the CLI and tests): `apply` of one change.
    pub async fn set(
        &self,
        conn: &mut AsyncPgConnection,
        key: &str,
        value: Value,
        by: Option<Uuid>,
    ) -> Result<Option<Version>, SettingsError> {
        self.apply(conn, &[(key.to_owned(), Some(value))], by, None).await
    }

    pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<SettingRow>> {
        repo::all(conn).await
    }
}
