//! Signed stream URLs, for `<audio>`, which cannot send `Authorization`: a short-lived token
//! bound to one track and the user it was issued to, signed with the node's Ed25519 keys (any
//! node verifies it; the keys rotate with the access tokens'). Its audience is its own, so an
//! access token is never a stream token and the other way round.

use crate::auth::keys::KeyRing;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use veza_core::{TrackId, UserId};

pub const AUDIENCE: &str = "veza-stream";

#[derive(Debug, Serialize, Deserialize)]
struct StreamClaims {
    /// The track.
    sub: String,
    /// Who may stream it (`None`: issued to nobody in particular; not used today).
    uid: Option<UserId>,
    exp: i64,
    iat: i64,
    iss: String,
    aud: String,
}

/// Why a signed URL does not open the stream.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignedError {
    #[error("this stream link has expired")]
    Expired,
    #[error("this stream link is not valid for this track")]
    Invalid,
}

/// A token for `track`, streamable as `user`, for `ttl`.
pub fn issue(
    keys: &KeyRing,
    track: TrackId,
    user: UserId,
    ttl: std::time::Duration,
) -> Result<(String, DateTime<Utc>), String> {
    let now = Utc::now();
    let expires = now + Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(900));
    let claims = StreamClaims {
        sub: track.to_string(),
        uid: Some(user),
        exp: expires.timestamp(),
        iat: now.timestamp(),
        iss: keys.policy().issuer.clone(),
        aud: AUDIENCE.to_owned(),
    };
    keys.sign_any(&claims).map(|t| (t, expires)).map_err(|e| e.to_string())
}

/// The user a token for `track` was issued to.
pub fn check(keys: &KeyRing, token: &str, track: TrackId) -> Result<Option<UserId>, SignedError> {
    let claims: StreamClaims = keys.verify_for(token, AUDIENCE).map_err(|e| match e {
        crate::auth::keys::TokenError::Expired => SignedError::Expired,
        _ => SignedError::Invalid,
    })?;
    if claims.sub != track.to_string() {
        return Err(SignedError::Invalid);
    }
    Ok(claims.uid)
}
