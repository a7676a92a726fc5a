//! argon2id hashing, always off the async threads. Unknown users are verified against a dummy
//! hash so a login answers in the same time whether the account exists or not.

use super::model::AuthError;
use crate::auth::model::AuthFault;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::Arc;

#[derive(Clone)]
pub struct Hasher {
    params: Params,
    dummy: Arc<String>,
}

impl Hasher {
    /// Builds the hasher and its dummy hash (one hashing at start).
    pub fn new(memory_kib: u32, iterations: u32, lanes: u32) -> Result<Self, AuthError> {
        let params = Params::new(memory_kib, iterations, lanes, None)
            .map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))?;
        let dummy = hash_with(&params, "veza-dummy-password-for-timing")?;
        Ok(Hasher { params, dummy: Arc::new(dummy) })
    }

    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        let params = self.params.clone();
        actix_web::web::block(move || hash_with(&params, &password))
            .await
            .map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))?
    }

    /// True when `password` matches `stored`; with no stored hash, burns the same time and says no.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AuthError> {
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy.as_ref().clone());
        let params = self.params.clone();
        let ok =
            actix_web::web::block(move || argon(&params).verify_password(password.as_bytes(), hash.as_str()).is_ok())
                .await
                .map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))?;
        Ok(ok && real)
    }
}

fn argon(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_with(params: &Params, password: &str) -> Result<String, AuthError> {
    argon(params)
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Feature(AuthFault::Internal(format!("argon2: {e}"))))
}
