//! Auth queries: users, login sessions and their refresh tokens, one-time secrets.

pub mod denylist;
pub mod keys;

use super::model::AuthError;
use crate::auth::model::UserStatus;
use crate::db::schema::{
    auth_sessions, login_codes, magic_links, oauth_identities, oauth_states, refresh_tokens, users,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use uuid::Uuid;
use veza_core::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub email_verified: bool,
    pub username: String,
    pub password_hash: Option<String>,
    pub display_name: Option<String>,
    pub roles: Vec<String>,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    /// When a suspension ends by itself.
    pub suspended_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub email_verified: bool,
    pub username: &'a str,
    pub password_hash: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_user(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> Result<UserRow, AuthError> {
    diesel::insert_into(users::table).values(&new).returning(UserRow::as_returning()).get_result(conn).await.map_err(
        |e| match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => match info.constraint_name() {
                Some("users_email_key") => AuthError::email_taken(),
                Some("users_username_key") => AuthError::username_taken(),
                _ => AuthError::from(e),
            },
            _ => AuthError::from(e),
        },
    )
}

pub async fn user_by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).await.optional()
}

/// By email (case-insensitive) when the login has an `@`, else by username.
pub async fn user_by_login(conn: &mut AsyncPgConnection, login: &str) -> QueryResult<Option<UserRow>> {
    if login.contains('@') {
        user_by_email(conn, login).await
    } else {
        users::table.filter(users::username.eq(login)).select(UserRow::as_select()).first(conn).await.optional()
    }
}

pub async fn user_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = lower(")
                .bind::<diesel::sql_types::Text, _>(email)
                .sql(")"),
        )
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Opens a login session with its first refresh token.
pub async fn create_session(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    token_hash: &[u8],
    ttl: Duration,
    user_agent: Option<&str>,
    ip: Option<&str>,
) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(30));
    conn.transaction::<_, DieselError, _>(async |conn| {
        diesel::insert_into(auth_sessions::table)
            .values((
                auth_sessions::id.eq(id),
                auth_sessions::user_id.eq(user_id),
                auth_sessions::expires_at.eq(expires),
                auth_sessions::user_agent.eq(user_agent),
                auth_sessions::ip.eq(ip),
            ))
            .execute(conn)
            .await?;
        diesel::insert_into(refresh_tokens::table)
            .values((refresh_tokens::token_hash.eq(token_hash), refresh_tokens::session_id.eq(id)))
            .execute(conn)
            .await?;
        Ok(id)
    })
    .await
}

/// What presenting a refresh token did.
#[derive(Debug)]
pub enum Rotation {
    /// A new live token replaced the session's; the caller issues the pair.
    Rotated { session_id: Uuid, user_id: UserId },
    /// A token superseded longer ago than the grace: the session is now revoked.
    Reused { session_id: Uuid, user_id: UserId },
    /// Unknown, expired or revoked.
    Invalid,
}

/// Rotates the session of `presented` to `new_hash`, under the session's row lock, so two
/// concurrent refreshes serialise and the session keeps exactly one live token.
pub async fn rotate_refresh(
    conn: &mut AsyncPgConnection,
    presented: &[u8],
    new_hash: &[u8],
    grace: Duration,
) -> Result<Rotation, AuthError> {
    let presented = presented.to_vec();
    let new_hash = new_hash.to_vec();
    conn.transaction::<_, AuthError, _>(async |conn| {
        let Some(session_id) = refresh_tokens::table
            .find(&presented)
            .select(refresh_tokens::session_id)
            .first::<Uuid>(conn)
            .await
            .optional()?
        else {
            return Ok(Rotation::Invalid);
        };
        let session: SessionRow =
            auth_sessions::table.find(session_id).for_update().select(SessionRow::as_select()).first(conn).await?;
        let now = Utc::now();
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        // Read again under the lock: a concurrent refresh may have superseded it meanwhile.
        let superseded_at: Option<DateTime<Utc>> =
            refresh_tokens::table.find(&presented).select(refresh_tokens::superseded_at).first(conn).await?;
        let within_grace = superseded_at.is_none_or(|at| (now - at).to_std().unwrap_or_default() < grace);
        if !within_grace {
            diesel::update(auth_sessions::table.find(session_id))
                .set((auth_sessions::revoked_at.eq(now), auth_sessions::revoked_reason.eq("refresh_token_reused")))
                .execute(conn)
                .await?;
            return Ok(Rotation::Reused { session_id, user_id: session.user_id });
        }
        // Supersede the live token (the presented one, or its successor within the grace).
        diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::session_id.eq(session_id))
                .filter(refresh_tokens::superseded_at.is_null()),
        )
        .set(refresh_tokens::superseded_at.eq(now))
        .execute(conn)
        .await?;
        diesel::insert_into(refresh_tokens::table)
            .values((refresh_tokens::token_hash.eq(&new_hash), refresh_tokens::session_id.eq(session_id)))
            .execute(conn)
            .await?;
        diesel::update(auth_sessions::table.find(session_id))
            .set(auth_sessions::last_used_at.eq(now))
            .execute(conn)
            .await?;
        Ok(Rotation::Rotated { session_id, user_id: session.user_id })
    })
    .await
}

/// The session a refresh token belongs to (live or not).
pub async fn session_of_token(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> QueryResult<Option<SessionRow>> {
    refresh_tokens::table
        .inner_join(auth_sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(SessionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Revokes one of `user`'s sessions; false when it is not theirs or already revoked.
pub async fn revoke_session(
    conn: &mut AsyncPgConnection,
    user: UserId,
    session: Uuid,
    reason: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        auth_sessions::table
            .filter(auth_sessions::id.eq(session))
            .filter(auth_sessions::user_id.eq(user))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((auth_sessions::revoked_at.eq(Utc::now()), auth_sessions::revoked_reason.eq(reason)))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Revokes every live session of `user`; returns their ids.
pub async fn revoke_all_sessions(conn: &mut AsyncPgConnection, user: UserId, reason: &str) -> QueryResult<Vec<Uuid>> {
    diesel::update(
        auth_sessions::table.filter(auth_sessions::user_id.eq(user)).filter(auth_sessions::revoked_at.is_null()),
    )
    .set((auth_sessions::revoked_at.eq(Utc::now()), auth_sessions::revoked_reason.eq(reason)))
    .returning(auth_sessions::id)
    .get_results(conn)
    .await
}

/// The user's live sessions, newest first.
pub async fn list_sessions(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<SessionRow>> {
    auth_sessions::table
        .filter(auth_sessions::user_id.eq(user))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::expires_at.gt(Utc::now()))
        .order(auth_sessions::created_at.desc())
        .select(SessionRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_magic_link(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    user: UserId,
    ttl: Duration,
) -> QueryResult<()> {
    let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(15));
    diesel::insert_into(magic_links::table)
        .values((magic_links::token_hash.eq(hash), magic_links::user_id.eq(user), magic_links::expires_at.eq(expires)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Marks a magic link used and returns its user, if it was unused and unexpired.
pub async fn consume_magic_link(conn: &mut AsyncPgConnection, hash: &[u8]) -> QueryResult<Option<UserId>> {
    let now = Utc::now();
    diesel::update(
        magic_links::table
            .filter(magic_links::token_hash.eq(hash))
            .filter(magic_links::used_at.is_null())
            .filter(magic_links::expires_at.gt(now)),
    )
    .set(magic_links::used_at.eq(now))
    .returning(magic_links::user_id)
    .get_result(conn)
    .await
    .optional()
}

pub async fn insert_login_code(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    user: UserId,
    ttl: Duration,
) -> QueryResult<()> {
    let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(60));
    diesel::insert_into(login_codes::table)
        .values((login_codes::code_hash.eq(hash), login_codes::user_id.eq(user), login_codes::expires_at.eq(expires)))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn consume_login_code(conn: &mut AsyncPgConnection, hash: &[u8]) -> QueryResult<Option<UserId>> {
    let now = Utc::now();
    diesel::update(
        login_codes::table
            .filter(login_codes::code_hash.eq(hash))
            .filter(login_codes::used_at.is_null())
            .filter(login_codes::expires_at.gt(now)),
    )
    .set(login_codes::used_at.eq(now))
    .returning(login_codes::user_id)
    .get_result(conn)
    .await
    .optional()
}

/// A pending OAuth authorization.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_states)]
pub struct OAuthState {
    pub provider: String,
    pub pkce_verifier: String,
    pub redirect_uri: Option<String>,
}

pub async fn insert_oauth_state(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    provider: &str,
    verifier: &str,
    redirect_uri: Option<&str>,
    ttl: Duration,
) -> QueryResult<()> {
    let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(10));
    diesel::insert_into(oauth_states::table)
        .values((
            oauth_states::state_hash.eq(hash),
            oauth_states::provider.eq(provider),
            oauth_states::pkce_verifier.eq(verifier),
            oauth_states::redirect_uri.eq(redirect_uri),
            oauth_states::expires_at.eq(expires),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Deletes and returns the state if it is unexpired: a state works once.
pub async fn take_oauth_state(conn: &mut AsyncPgConnection, hash: &[u8]) -> QueryResult<Option<OAuthState>> {
    diesel::delete(
        oauth_states::table.filter(oauth_states::state_hash.eq(hash)).filter(oauth_states::expires_at.gt(Utc::now())),
    )
    .returning(OAuthState::as_returning())
    .get_result(conn)
    .await
    .optional()
}

pub async fn user_by_identity(
    conn: &mut AsyncPgConnection,
    provider: &str,
    subject: &str,
) -> QueryResult<Option<UserRow>> {
    oauth_identities::table
        .inner_join(users::table)
        .filter(oauth_identities::provider.eq(provider))
        .filter(oauth_identities::subject.eq(subject))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn link_identity(
    conn: &mut AsyncPgConnection,
    provider: &str,
    subject: &str,
    user: UserId,
    email: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(oauth_identities::table)
        .values((
            oauth_identities::provider.eq(provider),
            oauth_identities::subject.eq(subject),
            oauth_identities::user_id.eq(user),
            oauth_identities::email.eq(email),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn mark_email_verified(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    diesel::update(users::table.find(user)).set(users::email_verified.eq(true)).execute(conn).await.map(|_| ())
}

pub async fn username_exists(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::username.eq(name)))).get_result(conn).await
}

/// Everything that could sign the user in again without a password: linked OAuth identities,
/// magic links and login codes.
pub async fn forget_credentials(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    diesel::delete(oauth_identities::table.filter(oauth_identities::user_id.eq(user))).execute(conn).await?;
    diesel::delete(magic_links::table.filter(magic_links::user_id.eq(user))).execute(conn).await?;
    diesel::delete(login_codes::table.filter(login_codes::user_id.eq(user))).execute(conn).await?;
    Ok(())
}

/// When the user signed in to start `session` (a refresh keeps it), if it is theirs and live.
pub async fn session_started(
    conn: &mut AsyncPgConnection,
    user: UserId,
    session: Uuid,
) -> QueryResult<Option<DateTime<Utc>>> {
    auth_sessions::table
        .filter(auth_sessions::id.eq(session))
        .filter(auth_sessions::user_id.eq(user))
        .filter(auth_sessions::revoked_at.is_null())
        .select(auth_sessions::created_at)
        .first(conn)
        .await
        .optional()
}

/// Makes active again every suspended account whose suspension has ended (only `only`'s, when
/// given); their ids. One UPDATE: when two nodes lift at once, the second re-reads each row it
/// waited for, finds it active, and skips it, so each row is lifted (and audited) once.
pub async fn lift_ended_suspensions(conn: &mut AsyncPgConnection, only: Option<UserId>) -> QueryResult<Vec<UserId>> {
    let now = Utc::now();
    let ended = users::table
        .filter(users::status.eq(UserStatus::Suspended))
        .filter(users::suspended_until.le(now))
        .into_boxed();
    let ended = match only {
        Some(id) => ended.filter(users::id.eq(id)),
        None => ended,
    };
    let ids: Vec<UserId> = ended.select(users::id).load(conn).await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    diesel::update(
        users::table
            .filter(users::id.eq_any(&ids))
            .filter(users::status.eq(UserStatus::Suspended))
            .filter(users::suspended_until.le(now)),
    )
    .set((
        users::status.eq(UserStatus::Active),
        users::suspended_until.eq(None::<DateTime<Utc>>),
        users::status_changed_at.eq(now),
    ))
    .returning(users::id)
    .get_results(conn)
    .await
}
