//! The audit trail's anchors signed with the key ring (`audit::anchor::AnchorKeys`): an
//! audience of their own, a long life (an anchor is checked for as long as its key is kept).

use super::keys::{KeyRing, TokenError};
use crate::audit::anchor::{AUDIENCE, AnchorKeys, AnchorRefused, SignedHead};
use serde::{Deserialize, Serialize};

/// An anchor outlives any key that could check it.
const LIFETIME_SECS: i64 = 10 * 365 * 24 * 3600;

#[derive(Serialize, Deserialize)]
struct AnchorClaims {
    sub: String,
    #[serde(flatten)]
    head: SignedHead,
    exp: i64,
    iss: String,
    aud: String,
}

impl AnchorKeys for KeyRing {
    fn sign(&self, head: &SignedHead) -> Result<String, String> {
        let claims = AnchorClaims {
            sub: "audit-head".to_owned(),
            head: head.clone(),
            exp: head.iat + LIFETIME_SECS,
            iss: self.policy().issuer.clone(),
            aud: AUDIENCE.to_owned(),
        };
        self.sign_any(&claims).map_err(|e| e.to_string())
    }

    fn open(&self, token: &str) -> Result<SignedHead, AnchorRefused> {
        match self.verify_for::<AnchorClaims>(token, AUDIENCE) {
            Ok(c) => Ok(c.head),
            Err(TokenError::UnknownKey) => Err(AnchorRefused::KeyGone),
            Err(_) => Err(AnchorRefused::Invalid),
        }
    }
}
