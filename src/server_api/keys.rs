//! API keys: their form (`vzk_<prefix>_<secret>`), and a node's short memory of them. A key
//! read from the database is trusted for `server_api.key_cache_ms` (at most 2 s): that bounds
//! how long a revoked key still works on any node, broker or not, for one read per key per
//! interval.

use super::model::{ApiKey, Scope, ServerApiError, ServerApiFault};
use super::repo;
use crate::auth::tokens;
use crate::db::{DbPool, checkout};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use veza_actors::protocol::UserRef;
use veza_core::UserId;

/// The start of every key: a scanner (and a person) can tell what leaked.
pub const KEY_MARK: &str = "vzk";
/// Entries kept at most (unknown prefixes too); past it the memory starts again.
const CAP: usize = 10_000;

/// A new key's parts: what is shown once, and what the database keeps.
pub struct Minted {
    pub key: String,
    pub prefix: String,
    pub hash: Vec<u8>,
}

/// A fresh random key.
pub fn mint() -> Result<Minted, tokens::RandomError> {
    let prefix = hex::encode(tokens::random_bytes::<8>()?);
    let key = format!("{KEY_MARK}_{prefix}_{}", tokens::random_token()?);
    let hash = tokens::hash(&key);
    Ok(Minted { key, prefix, hash })
}

/// The prefix of a well-formed key.
fn prefix_of(key: &str) -> Option<&str> {
    let mut parts = key.splitn(3, '_');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(KEY_MARK), Some(prefix), Some(secret))
            if prefix.len() == 16 && prefix.bytes().all(|b| b.is_ascii_hexdigit()) && secret.len() == 43 =>
        {
            Some(prefix)
        }
        _ => None,
    }
}

/// The credential of `Authorization: ApiKey <key>` (scheme case-insensitive).
pub fn from_header(value: &str) -> Option<&str> {
    let (scheme, key) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("apikey").then(|| key.trim())
}

struct Remembered {
    at: Instant,
    key: Option<(Arc<ApiKey>, Vec<u8>)>,
}

/// Reads and remembers keys; cheap to clone.
#[derive(Clone)]
pub struct ApiKeys {
    pool: DbPool,
    ttl: Duration,
    seen: Arc<Mutex<HashMap<String, Remembered>>>,
}

impl ApiKeys {
    pub fn new(pool: DbPool, ttl: Duration) -> Self {
        ApiKeys { pool, ttl, seen: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// The live key `key` names, or UNAUTHENTICATED.
    pub async fn authenticate(&self, key: Option<&str>) -> Result<Arc<ApiKey>, ServerApiError> {
        if let Some(answer) = self.without_reading(key) {
            return answer;
        }
        let key = key.unwrap_or_default();
        let found = match prefix_of(key) {
            Some(prefix) => self.load(prefix).await?,
            None => None,
        };
        verify(key, found)
    }

    /// `authenticate`'s answer when it needs no database read (no key, a malformed one, one
    /// read lately); `None` when it does.
    pub fn without_reading(&self, key: Option<&str>) -> Option<Result<Arc<ApiKey>, ServerApiError>> {
        let Some(key) = key else {
            return Some(Err(
                ServerApiFault::Unauthenticated("an API key is required: Authorization: ApiKey <key>").into()
            ));
        };
        let Some(prefix) = prefix_of(key) else { return Some(verify(key, None)) };
        self.remembered(prefix).map(|found| verify(key, found))
    }

    fn remembered(&self, prefix: &str) -> Option<Option<(Arc<ApiKey>, Vec<u8>)>> {
        let seen = self.seen.lock().ok()?;
        seen.get(prefix).filter(|r| r.at.elapsed() < self.ttl).map(|r| r.key.clone())
    }

    async fn load(&self, prefix: &str) -> Result<Option<(Arc<ApiKey>, Vec<u8>)>, ServerApiError> {
        let mut conn = checkout(&self.pool).await?;
        let row = repo::live_key(&mut conn, prefix).await?;
        let key = row.map(|(k, username)| {
            let key = ApiKey {
                id: k.id,
                name: k.name,
                prefix: k.prefix,
                scopes: k.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
                service_user: UserRef { id: UserId(k.service_user), username },
                rate_per_sec: k.rate_per_sec.and_then(|r| u32::try_from(r).ok()),
            };
            (Arc::new(key), k.secret_hash)
        });
        if let Ok(mut seen) = self.seen.lock() {
            // Full: unknown prefixes go first, so made-up keys cannot push the real ones out.
            if seen.len() >= CAP {
                seen.retain(|_, r| r.key.is_some());
            }
            if seen.len() >= CAP {
                seen.clear();
            }
            seen.insert(prefix.to_owned(), Remembered { at: Instant::now(), key: key.clone() });
        }
        Ok(key)
    }
}

/// The key when its hash matches the stored one.
fn verify(key: &str, found: Option<(Arc<ApiKey>, Vec<u8>)>) -> Result<Arc<ApiKey>, ServerApiError> {
    match found {
        Some((k, hash)) if constant_time_eq(&hash, &tokens::hash(key)) => Ok(k),
        _ => Err(ServerApiFault::Unauthenticated("unknown or revoked API key").into()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_carry_their_prefix() {
        let m = mint().unwrap();
        assert_eq!(prefix_of(&m.key), Some(m.prefix.as_str()));
        assert!(m.key.starts_with("vzk_"));
        assert_eq!(m.hash, tokens::hash(&m.key));
        assert_ne!(mint().unwrap().key, m.key);
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        for bad in [
            "",
            "vzk",
            "vzk_abc_def",
            "abc_0123456789abcdef_x",
            "vzk_0123456789abcdeg_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert_eq!(prefix_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_header_names_the_scheme() {
        assert_eq!(from_header("ApiKey vzk_x"), Some("vzk_x"));
        assert_eq!(from_header("apikey  vzk_x "), Some("vzk_x"));
        assert_eq!(from_header("Bearer vzk_x"), None);
        assert_eq!(from_header("vzk_x"), None);
    }
}
