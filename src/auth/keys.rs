//! Ed25519 signing keys: stored in PostgreSQL, rotated by one node at a time (advisory lock),
//! loaded by every node. Tokens are signed with the newest key; any key not yet retired
//! verifies, so tokens outlive the rotation that replaced their key.

use super::model::{AuthError, Claims};
use super::repo::keys::{self as repo, KeyRow};
use crate::auth::model::AuthFault;
use crate::db::DbPool;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use diesel_async::AsyncConnection;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Seconds of clock skew tolerated on `exp`/`iat`.
const LEEWAY_SECS: u64 = 5;
/// Unknown `kid`s trigger a reload at most this often.
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_millis(500);

struct LoadedKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public_key: Vec<u8>,
    created_at: DateTime<Utc>,
    sign_until: DateTime<Utc>,
    verify_until: DateTime<Utc>,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
    UnknownKey,
}

/// One JWK of the published set.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub kid: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// Rotation and verification settings.
#[derive(Debug, Clone)]
pub struct KeyPolicy {
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub rotation: Duration,
}

impl KeyPolicy {
    pub fn from_config(jwt: &crate::config::JwtConfig) -> Self {
        KeyPolicy {
            issuer: jwt.issuer.clone(),
            audience: jwt.audience.clone(),
            access_ttl: Duration::from_secs(jwt.access_ttl_secs),
            rotation: Duration::from_secs(jwt.key_rotation_secs),
        }
    }
}

#[derive(Clone)]
pub struct KeyRing {
    keys: Arc<RwLock<Vec<LoadedKey>>>,
    last_reload: Arc<std::sync::Mutex<Option<Instant>>>,
    pool: DbPool,
    policy: Arc<KeyPolicy>,
    validation: Arc<Validation>,
}

impl KeyRing {
    pub fn new(pool: DbPool, policy: KeyPolicy) -> Self {
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_issuer(&[&policy.issuer]);
        v.set_audience(&[&policy.audience]);
        v.leeway = LEEWAY_SECS;
        v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        KeyRing {
            keys: Arc::new(RwLock::new(Vec::new())),
            last_reload: Arc::new(std::sync::Mutex::new(None)),
            pool,
            policy: Arc::new(policy),
            validation: Arc::new(v),
        }
    }

    /// A ring with a signing key: creates one if due, and when another node holds the rotation
    /// lock (it is creating the key), waits for it to appear.
    pub async fn ready(pool: DbPool, policy: KeyPolicy) -> Result<KeyRing, AuthError> {
        let keys = KeyRing::new(pool, policy);
        for _ in 0..50 {
            keys.rotate_if_due(false).await?;
            keys.reload().await?;
            if keys.current_kid().is_some() {
                return Ok(keys);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(AuthError::Feature(AuthFault::Internal("no signing key appeared within 5 s".into())))
    }

    pub fn policy(&self) -> &KeyPolicy {
        &self.policy
    }

    /// Signs `claims` with the newest key that may sign.
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        self.sign_any(claims)
    }

    /// Signs any claims (other tokens than access tokens carry their own `aud`, so an access
    /// token is never one of them and the other way round).
    pub fn sign_any<T: Serialize>(&self, claims: &T) -> Result<String, AuthError> {
        let now = Utc::now();
        let keys = self.keys.read().map_err(|_| AuthError::Feature(AuthFault::Internal("key ring poisoned".into())))?;
        let key = keys
            .iter()
            .filter(|k| k.sign_until > now && k.created_at <= now + ChronoDuration::seconds(LEEWAY_SECS as i64))
            .max_by_key(|k| k.created_at)
            .ok_or_else(|| AuthError::Feature(AuthFault::Internal("no signing key loaded".into())))?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding)
            .map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))
    }

    /// Verifies signature, algorithm, `kid`, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_with(token, &self.validation)
    }

    /// Verifies a token signed with `sign_any` for `audience` (and this issuer).
    pub fn verify_for<T: serde::de::DeserializeOwned>(&self, token: &str, audience: &str) -> Result<T, TokenError> {
        let mut v = (*self.validation).clone();
        v.set_audience(&[audience]);
        self.verify_with(token, &v)
    }

    fn verify_with<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<T, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        // Only EdDSA: `none` and HMAC-with-the-public-key never reach a verifier.
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let now = Utc::now();
        let keys = self.keys.read().map_err(|_| TokenError::Invalid)?;
        let key = keys.iter().find(|k| k.kid == kid).ok_or(TokenError::UnknownKey)?;
        if key.verify_until <= now {
            return Err(TokenError::Invalid);
        }
        match jsonwebtoken::decode::<T>(token, &key.decoding, validation) {
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => Err(TokenError::Expired),
            Err(_) => Err(TokenError::Invalid),
        }
    }

    /// `verify`, reloading the keys once (rate-limited) when the `kid` is new to this node:
    /// another node may have rotated a moment ago.
    pub async fn verify_fresh(&self, token: &str) -> Result<Claims, TokenError> {
        match self.verify(token) {
            Err(TokenError::UnknownKey) => {
                let due = self
                    .last_reload
                    .lock()
                    .map(|l| l.is_none_or(|t| t.elapsed() >= RELOAD_AT_MOST_EVERY))
                    .unwrap_or(false);
                if due && self.reload().await.is_ok() {
                    return self
                        .verify(token)
                        .map_err(|e| if e == TokenError::UnknownKey { TokenError::Invalid } else { e });
                }
                Err(TokenError::Invalid)
            }
            other => other,
        }
    }

    /// The public keys that still verify, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Jwks {
        use base64::Engine;
        let now = Utc::now();
        let keys = self.keys.read().map(|keys| {
            keys.iter()
                .filter(|k| k.verify_until > now)
                .map(|k| Jwk {
                    kty: "OKP",
                    crv: "Ed25519",
                    x: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&k.public_key),
                    kid: k.kid.clone(),
                    alg: "EdDSA",
                    use_: "sig",
                })
                .collect()
        });
        Jwks { keys: keys.unwrap_or_default() }
    }

    /// Loads every key that still verifies from PostgreSQL.
    pub async fn reload(&self) -> Result<usize, AuthError> {
        if let Ok(mut l) = self.last_reload.lock() {
            *l = Some(Instant::now());
        }
        let mut conn = crate::db::checkout(&self.pool).await?;
        let rows = repo::verifying_keys(&mut conn, Utc::now()).await?;
        let loaded: Vec<LoadedKey> = rows
            .into_iter()
            .map(|r| LoadedKey {
                encoding: EncodingKey::from_ed_der(&r.private_der),
                decoding: DecodingKey::from_ed_der(&r.public_key),
                kid: r.kid,
                public_key: r.public_key,
                created_at: r.created_at,
                sign_until: r.sign_until,
                verify_until: r.verify_until,
            })
            .collect();
        let n = loaded.len();
        let mut keys =
            self.keys.write().map_err(|_| AuthError::Feature(AuthFault::Internal("key ring poisoned".into())))?;
        *keys = loaded;
        Ok(n)
    }

    /// Creates a new key when none signs long enough any more; at most one node does it at a
    /// time. `force` rotates now whatever the schedule. Returns whether a key was created.
    pub async fn rotate_if_due(&self, force: bool) -> Result<bool, AuthError> {
        let policy = self.policy.clone();
        let mut conn = crate::db::checkout(&self.pool).await?;
        let created = conn
            .transaction::<bool, AuthError, _>(async |conn| {
                if !repo::try_rotation_lock(conn).await? {
                    return Ok(false);
                }
                let now = Utc::now();
                let newest = repo::newest_sign_until(conn).await?;
                let rotation = ChronoDuration::from_std(policy.rotation).unwrap_or(ChronoDuration::days(1));
                // Rotate when less than a quarter of a period is left, so every node has loaded
                // the next key before the current one stops signing.
                let due = newest.is_none_or(|until| until - now < rotation / 4);
                if !(due || force) {
                    return Ok(false);
                }
                let row = new_key(now, rotation, policy.access_ttl)?;
                repo::insert(conn, &row).await?;
                // Keys nobody can verify with any more are forgotten after a day.
                repo::forget_retired(conn, now - ChronoDuration::days(1)).await?;
                tracing::info!(kid = %row.kid, "signing key rotated");
                Ok(true)
            })
            .await?;
        Ok(created)
    }

    /// Ends a key's life now (tests, and an operator retiring a leaked key).
    pub async fn retire(&self, kid: &str) -> Result<(), AuthError> {
        let mut conn = crate::db::checkout(&self.pool).await?;
        let past = Utc::now() - ChronoDuration::seconds(1);
        repo::retire(&mut conn, kid, past).await?;
        self.reload().await?;
        Ok(())
    }

    /// The `kid` new tokens are signed with.
    pub fn current_kid(&self) -> Option<String> {
        let now = Utc::now();
        let keys = self.keys.read().ok()?;
        keys.iter().filter(|k| k.sign_until > now).max_by_key(|k| k.created_at).map(|k| k.kid.clone())
    }
}

fn new_key(now: DateTime<Utc>, rotation: ChronoDuration, access_ttl: Duration) -> Result<KeyRow, AuthError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))?;
    let signing = SigningKey::from_bytes(&seed);
    let der = signing.to_pkcs8_der().map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))?;
    let ttl = ChronoDuration::from_std(access_ttl).unwrap_or(ChronoDuration::minutes(15));
    let sign_until = now + rotation;
    Ok(KeyRow {
        kid: uuid::Uuid::now_v7().simple().to_string(),
        private_der: der.as_bytes().to_vec(),
        public_key: signing.verifying_key().to_bytes().to_vec(),
        created_at: now,
        sign_until,
        // Tokens signed at the last moment stay valid for their whole lifetime, plus skew.
        verify_until: sign_until + ttl + ChronoDuration::seconds(60),
    })
}
