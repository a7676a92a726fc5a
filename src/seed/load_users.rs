//! `veza admin seed` and `veza admin mint-tokens`: bulk users, rooms and access tokens for
//! load tests, so a run does not spend minutes in argon2. Seeded accounts are marked: username
//! `load_user_<n>`, email `<username>@load.veza.invalid`, and one shared password hash made
//! with deliberately cheap parameters — never use them for anything but load.

use crate::auth::keys::{KeyPolicy, KeyRing};
use crate::auth::model::Claims;
use crate::auth::tokens::{hash, random_token};
use crate::config::Config;
use crate::db::schema::{auth_sessions, refresh_tokens, room_members, rooms, users};
use crate::db::{self, DbError};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

pub const PREFIX: &str = "load_user_";
pub const PASSWORD: &str = "load-test-password";
const CHUNK: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("{0}")]
    Other(String),
}

#[derive(Debug, Serialize)]
pub struct Seeded {
    pub users: usize,
    pub rooms: Vec<Uuid>,
}

/// One access token of a load user.
#[derive(Debug, Serialize)]
pub struct Minted {
    pub id: Uuid,
    pub username: String,
    pub token: String,
}

async fn pool(config: &Config) -> Result<db::DbPool, LoadError> {
    let timeout = Duration::from_millis(config.database.connect_timeout_ms);
    let url = config.database.url.clone();
    tokio::task::spawn_blocking(move || db::migrate::prepare(&url, timeout))
        .await
        .map_err(|e| LoadError::Other(e.to_string()))??;
    Ok(db::build_pool(&config.database.url, 4, timeout))
}

/// Inserts `n` load users (idempotent by username) and `rooms` public rooms with `members`
/// members each, taken round-robin from the load users.
pub async fn seed(config: &Config, n: usize, room_count: usize, members: usize) -> Result<Seeded, LoadError> {
    let pool = pool(config).await?;
    let mut conn = pool.get().await.map_err(|e| LoadError::Other(e.to_string()))?;
    let params = Params::new(8, 1, 1, None).map_err(|e| LoadError::Other(e.to_string()))?;
    let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(PASSWORD.as_bytes())
        .map_err(|e| LoadError::Other(e.to_string()))?
        .to_string();
    for start in (0..n).step_by(CHUNK) {
        let rows: Vec<_> = (start..(start + CHUNK).min(n))
            .map(|i| {
                let name = format!("{PREFIX}{i}");
                (
                    users::id.eq(Uuid::now_v7()),
                    users::email.eq(format!("{name}@load.veza.invalid")),
                    users::username.eq(name),
                    users::password_hash.eq(Some(cheap.clone())),
                    users::email_verified.eq(true),
                )
            })
            .collect();
        diesel::insert_into(users::table).values(rows).on_conflict_do_nothing().execute(&mut conn).await?;
    }
    let ids: Vec<Uuid> = users::table
        .filter(users::username.like(format!("{PREFIX}%")))
        .order(users::created_at)
        .limit(n as i64)
        .select(users::id)
        .load(&mut conn)
        .await?;
    let mut room_ids = Vec::new();
    for j in 0..room_count {
        let id = Uuid::now_v7();
        diesel::insert_into(rooms::table)
            .values((
                rooms::id.eq(id),
                rooms::name.eq(format!("load-room-{j}")),
                rooms::visibility.eq(crate::chat::model::Visibility::Public),
            ))
            .execute(&mut conn)
            .await?;
        let picked: Vec<Uuid> = (0..members.min(ids.len())).map(|k| ids[(j * members + k) % ids.len()]).collect();
        for chunk in picked.chunks(CHUNK) {
            let rows: Vec<_> =
                chunk.iter().map(|u| (room_members::room_id.eq(id), room_members::user_id.eq(*u))).collect();
            diesel::insert_into(room_members::table).values(rows).on_conflict_do_nothing().execute(&mut conn).await?;
        }
        room_ids.push(id);
    }
    Ok(Seeded { users: ids.len(), rooms: room_ids })
}

/// Opens one session per load user (at most `limit`) and signs an access token valid `ttl`.
pub async fn mint_tokens(config: &Config, limit: usize, ttl: Duration) -> Result<Vec<Minted>, LoadError> {
    let pool = pool(config).await?;
    let auth = |e: crate::auth::AuthError| LoadError::Other(e.to_string());
    let keys = KeyRing::ready(pool.clone(), KeyPolicy::from_config(&config.jwt)).await.map_err(auth)?;
    let mut conn = pool.get().await.map_err(|e| LoadError::Other(e.to_string()))?;
    let people: Vec<(Uuid, String, Vec<String>)> = users::table
        .filter(users::username.like(format!("{PREFIX}%")))
        // One statement made many at the same time: the id (time-ordered) breaks the tie.
        .order((users::created_at, users::id))
        .limit(limit as i64)
        .select((users::id, users::username, users::roles))
        .load(&mut conn)
        .await?;
    let now = Utc::now();
    let expires = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
    let mut out = Vec::with_capacity(people.len());
    for chunk in people.chunks(CHUNK) {
        let sessions: Vec<Uuid> = chunk.iter().map(|_| Uuid::now_v7()).collect();
        let rows: Vec<_> = chunk
            .iter()
            .zip(&sessions)
            .map(|((user, _, _), sid)| {
                (
                    auth_sessions::id.eq(*sid),
                    auth_sessions::user_id.eq(*user),
                    auth_sessions::expires_at.eq(expires),
                    auth_sessions::user_agent.eq("veza admin mint-tokens"),
                )
            })
            .collect();
        diesel::insert_into(auth_sessions::table).values(rows).execute(&mut conn).await?;
        let mut tokens = Vec::with_capacity(chunk.len());
        for sid in &sessions {
            let t = random_token().map_err(|e| LoadError::Other(e.to_string()))?;
            tokens.push((refresh_tokens::token_hash.eq(hash(&t)), refresh_tokens::session_id.eq(*sid)));
        }
        diesel::insert_into(refresh_tokens::table).values(tokens).execute(&mut conn).await?;
        for ((id, username, roles), sid) in chunk.iter().zip(&sessions) {
            let claims = Claims {
                sub: veza_core::UserId(*id),
                roles: roles.clone(),
                sid: *sid,
                iat: now.timestamp(),
                exp: expires.timestamp(),
                jti: Uuid::new_v4().to_string(),
                iss: config.jwt.issuer.clone(),
                aud: config.jwt.audience.clone(),
            };
            let token = keys.sign(&claims).map_err(auth)?;
            out.push(Minted { id: *id, username: username.clone(), token });
        }
    }
    Ok(out)
}
