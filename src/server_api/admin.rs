//! `veza admin api-key create | list | revoke`: the operator's hands on API keys. A key is
//! printed once and stored hashed; each gets a service user (its name) that authors what it
//! publishes. Every change is audited.

use super::keys::mint;
use super::model::Scope;
use super::repo::{self, KeyRow, NewKey};
use crate::audit::{self, AuditEntry};
use crate::auth::model::normalize_username;
use crate::auth::repo::{NewUser, insert_user};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;
use veza_core::UserId;

#[derive(Debug, thiserror::Error)]
pub enum KeyAdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("no live API key is named {0}")]
    NoSuchKey(String),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

/// A created key: the secret (shown once) and its row.
pub struct Created {
    pub key: String,
    pub row: KeyRow,
}

/// Creates a key named `name` (also its service user's username) with `scopes`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    name: &str,
    scopes: &[Scope],
    rate_per_sec: Option<u32>,
) -> Result<Created, KeyAdminError> {
    let name = normalize_username(name)
        .map_err(|_| KeyAdminError::Invalid("--name is the key's service user: 3 to 32 of a-z, 0-9 and _".into()))?;
    let rate = rate_per_sec.map(|r| i32::try_from(r).unwrap_or(i32::MAX).max(1));
    let minted = mint().map_err(|e| KeyAdminError::Invalid(e.to_string()))?;
    let id = Uuid::now_v7();
    let scopes: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let (name, prefix, hash) = (name.as_str(), minted.prefix.as_str(), minted.hash.as_slice());
    let row = conn
        .transaction::<_, KeyAdminError, _>(async |conn| {
            let email = format!("{id}@service.veza.invalid");
            let user = NewUser {
                id: UserId::new_v7(),
                email: &email,
                email_verified: false,
                username: name,
                password_hash: None,
                display_name: None,
                roles: vec!["user".into()],
            };
            let user = insert_user(conn, user).await.map_err(|_| {
                KeyAdminError::Invalid(format!("the name `{name}` is taken (by a user or an earlier key)"))
            })?;
            let key = NewKey {
                id,
                name,
                prefix,
                secret_hash: hash,
                scopes: scopes.clone(),
                service_user: user.id.uuid(),
                rate_per_sec: rate,
            };
            let row = repo::insert_key(conn, key).await?;
            let entry = AuditEntry::new("api_key.created")
                .target("api_key", id)
                .data(serde_json::json!({ "name": name, "scopes": scopes, "rate_per_sec": rate, "via": "cli" }));
            audit::record(conn, entry).await?;
            Ok(row)
        })
        .await?;
    Ok(Created { key: minted.key, row })
}

pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<KeyRow>, KeyAdminError> {
    Ok(repo::list_keys(conn).await?)
}

/// Revokes the live key with this name, id or prefix.
pub async fn revoke(conn: &mut AsyncPgConnection, name_or_id: &str) -> Result<KeyRow, KeyAdminError> {
    conn.transaction::<_, KeyAdminError, _>(async |conn| {
        let row = repo::revoke(conn, name_or_id).await?.ok_or_else(|| KeyAdminError::NoSuchKey(name_or_id.into()))?;
        let entry = AuditEntry::new("api_key.revoked")
            .target("api_key", row.id)
            .data(serde_json::json!({ "name": row.name, "via": "cli" }));
        audit::record(conn, entry).await?;
        Ok(row)
    })
    .await
}
