//! `veza admin create-user`: lets an operator create the first admin (or any account with a
//! role) from the command line, with the same rules as registration.

use super::model::{AuthError, Role, check_password, normalize_email, normalize_username};
use super::password::Hasher;
use super::repo::{self, NewUser};
use crate::audit::{self, AuditEntry};
use crate::auth::model::AuthFault;
use crate::config::Config;
use crate::db::{self, DbError};
use std::time::Duration;
use uuid::Uuid;
use veza_core::UserId;

/// Creates an active account with `role` (and `user`); migrates the database first.
pub async fn create_user(
    config: &Config,
    email: &str,
    username: &str,
    password: &str,
    role: Role,
) -> Result<Uuid, AuthError> {
    let email = normalize_email(email)?;
    let username = normalize_username(username)?;
    check_password(password, &username, &email)?;
    let timeout = Duration::from_millis(config.database.connect_timeout_ms);
    let url = config.database.url.clone();
    tokio::task::spawn_blocking(move || db::migrate::prepare(&url, timeout))
        .await
        .map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))??;
    let a = &config.auth;
    let hasher = Hasher::new(a.argon2_memory_kib, a.argon2_iterations, a.argon2_parallelism)?;
    let hash = hasher.hash(password.to_owned()).await?;
    let mut conn = db::migrate::connect(&config.database.url, timeout).await?;
    let mut roles = vec![Role::User.as_str().to_owned()];
    if role != Role::User {
        roles.push(role.as_str().to_owned());
    }
    let user = repo::insert_user(
        &mut conn,
        NewUser {
            id: UserId::new_v7(),
            email: &email,
            email_verified: true,
            username: &username,
            password_hash: Some(&hash),
            display_name: None,
            roles: roles.clone(),
        },
    )
    .await?;
    let entry = AuditEntry::new("admin.user_created")
        .target("user", user.id)
        .data(serde_json::json!({ "roles": roles, "via": "cli" }));
    audit::record(&mut conn, entry).await.map_err(|e| AuthError::Db(DbError::Query(e)))?;
    Ok(user.id.uuid())
}
