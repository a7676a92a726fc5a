//! The auth service: an actor per HTTP worker (`AuthService`) delegating to `AuthCore`,
//! where register, login, refresh rotation, logout, magic links and OAuth live.

use super::model::{
    AuthError, Claims, Me, TokenPair, UserStatus, check_password, normalize_email, normalize_login, normalize_username,
};
use super::oauth::{self, Identity, Provider};
use super::repo::{self, NewUser, Rotation, UserRow};
use super::suspension::{LiftedBy, lift_ended};
use super::tokens::{hash, pkce_challenge, random_token};
use crate::audit::{self, AuditEntry};
use crate::auth::model::AuthFault;
use crate::db::{PooledConn, checkout};
use crate::infra::mail;
use crate::ratelimit::{Decision, Quota};
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::web::client::ClientInfo;
use actix::prelude::*;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use std::num::NonZeroU32;
use std::time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::{Code, UserId};

pub struct AuthCore {
    pub state: AppState,
}

/// The auth service actor (one per HTTP worker).
pub type AuthService = Service<AuthCore>;

impl Core for AuthCore {
    fn new(state: AppState) -> Self {
        AuthCore { state }
    }
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TokenPair, AuthError>")]
pub struct Register {
    pub email: String,
    pub username: String,
    pub password: String,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TokenPair, AuthError>")]
pub struct Login {
    pub login: String,
    pub password: String,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TokenPair, AuthError>")]
pub struct Refresh {
    pub refresh_token: String,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), AuthError>")]
pub struct Logout {
    pub user: UserId,
    pub refresh_token: String,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), AuthError>")]
pub struct LogoutAll {
    pub user: UserId,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Me, AuthError>")]
pub struct GetMe {
    pub user: UserId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<SessionView>, AuthError>")]
pub struct ListSessions {
    pub user: UserId,
    pub current: Uuid,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), AuthError>")]
pub struct RevokeSession {
    pub user: UserId,
    pub session: Uuid,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), AuthError>")]
pub struct RequestMagicLink {
    pub email: String,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TokenPair, AuthError>")]
pub struct VerifyMagicLink {
    pub token: String,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<String, AuthError>")]
pub struct OAuthAuthorize {
    pub provider: String,
    pub redirect_uri: Option<String>,
}

/// Where an OAuth callback leads: tokens, or a redirect carrying a single-use login code.
#[derive(Debug)]
pub enum CallbackOutcome {
    Tokens(TokenPair),
    Redirect(String),
}

#[derive(Debug, Message)]
#[rtype(result = "Result<CallbackOutcome, AuthError>")]
pub struct OAuthCallback {
    pub provider: String,
    pub code: String,
    pub state: String,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TokenPair, AuthError>")]
pub struct OAuthExchange {
    pub login_code: String,
    pub client: ClientInfo,
}

/// A login session as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// The session of the token making this request.
    pub current: bool,
}

crate::delegate_to_core!(AuthCore {
    Register => register,
    Login => login,
    Refresh => refresh,
    Logout => logout,
    LogoutAll => logout_all,
    GetMe => me,
    ListSessions => sessions,
    RevokeSession => revoke_session,
    RequestMagicLink => request_magic_link,
    VerifyMagicLink => verify_magic_link,
    OAuthAuthorize => oauth_authorize,
    OAuthCallback => oauth_callback,
    OAuthExchange => oauth_exchange,
});

fn me_of(u: &UserRow) -> Me {
    Me {
        id: u.id.uuid(),
        email: u.email.clone(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        roles: u.roles.clone(),
        created_at: u.created_at,
    }
}

fn ensure_active(u: &UserRow) -> Result<(), AuthError> {
    match (u.status, u.suspended_until) {
        (UserStatus::Active, _) => Ok(()),
        (UserStatus::Suspended, Some(until)) => Err(AuthError::account_disabled(&format!(
            "suspended until {}",
            until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))),
        (status, _) => Err(AuthError::account_disabled(status.as_str())),
    }
}

/// Wrong passwords an account may take per window, wherever they are tried (login, and the
/// password that confirms an account's deletion).
pub fn password_failure_quota(a: &crate::config::AuthConfig) -> Quota {
    let n = NonZeroU32::new(a.login_failures_per_account).unwrap_or(NonZeroU32::MIN);
    Quota { per_period: n, period: Duration::from_secs(a.login_failure_window_secs), burst: n }
}

impl AuthCore {
    async fn conn(&self) -> Result<PooledConn<'_>, AuthError> {
        Ok(checkout(&self.state.pool).await?)
    }

    /// 403 `registration_closed` while the runtime setting `registration.open` is false.
    fn registration_open(&self) -> Result<(), AuthError> {
        if self.state.settings.registration_open() {
            Ok(())
        } else {
            Err(AuthError::forbidden(Code::RegistrationClosed, "registration is closed"))
        }
    }

    /// A sign-in's last check: the account is active, or its suspension has just ended (lifted
    /// here rather than wait for the periodic check).
    async fn admit(&self, conn: &mut AsyncPgConnection, mut user: UserRow) -> Result<UserRow, AuthError> {
        let ended = user.status == UserStatus::Suspended && user.suspended_until.is_some_and(|t| t <= Utc::now());
        if ended && !lift_ended(conn, &self.state.denylist, Some(user.id), LiftedBy::Login).await?.is_empty() {
            user.status = UserStatus::Active;
            user.suspended_until = None;
        }
        ensure_active(&user)?;
        Ok(user)
    }

    fn access_ttl(&self) -> Duration {
        Duration::from_secs(self.state.config.jwt.access_ttl_secs)
    }

    /// Signs an access token for `user` in session `sid`.
    fn access_token(&self, user: &UserRow, sid: Uuid) -> Result<String, AuthError> {
        let jwt = &self.state.config.jwt;
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.id,
            roles: user.roles.clone(),
            sid,
            iat: now,
            exp: now + jwt.access_ttl_secs as i64,
            jti: Uuid::new_v4().to_string(),
            iss: jwt.issuer.clone(),
            aud: jwt.audience.clone(),
        };
        self.state.keys.sign(&claims)
    }

    fn pair(&self, user: &UserRow, sid: Uuid, refresh: String) -> Result<TokenPair, AuthError> {
        Ok(TokenPair {
            user: me_of(user),
            access_token: self.access_token(user, sid)?,
            refresh_token: refresh,
            token_type: "Bearer",
            expires_in: self.state.config.jwt.access_ttl_secs,
        })
    }

    /// Opens a new login session for `user` and answers its first pair.
    async fn start_session(
        &self,
        conn: &mut AsyncPgConnection,
        user: &UserRow,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let refresh = random_token()?;
        let ttl = Duration::from_secs(self.state.config.jwt.refresh_ttl_secs);
        let sid = repo::create_session(
            conn,
            user.id,
            &hash(&refresh),
            ttl,
            client.user_agent.as_deref(),
            client.ip.as_deref(),
        )
        .await?;
        self.pair(user, sid, refresh)
    }

    async fn limit(&self, key: String, quota: Quota) -> Result<(), AuthError> {
        match self.state.limiter.check(&key, quota).await {
            Decision::Allowed => Ok(()),
            Decision::Limited { retry_after } => {
                self.state.metrics.rate_limited.with_label_values(&["login"]).inc();
                Err(AuthError::Feature(AuthFault::RateLimited { retry_after }))
            }
        }
    }

    fn failure_quota(&self) -> Quota {
        password_failure_quota(&self.state.config.auth)
    }

    pub async fn register(&self, m: Register) -> Result<TokenPair, AuthError> {
        self.registration_open()?;
        let email = normalize_email(&m.email)?;
        let username = normalize_username(&m.username)?;
        check_password(&m.password, &username, &email)?;
        let password_hash = self.state.hasher.hash(m.password).await?;
        let mut conn = self.conn().await?;
        let user = repo::insert_user(
            &mut conn,
            NewUser {
                id: UserId::new_v7(),
                email: &email,
                email_verified: false,
                username: &username,
                password_hash: Some(&password_hash),
                display_name: None,
                roles: vec!["user".into()],
            },
        )
        .await?;
        audit::record(
            &mut conn,
            AuditEntry::new("auth.register").actor(user.id).target("user", user.id).from(&m.client),
        )
        .await?;
        crate::activity::record(&mut conn, user.id, "account.registered", serde_json::json!({})).await?;
        self.start_session(&mut conn, &user, &m.client).await
    }

    pub async fn login(&self, m: Login) -> Result<TokenPair, AuthError> {
        let a = &self.state.config.auth;
        let ip = m.client.ip.clone().unwrap_or_default();
        let per_minute = self.state.settings.tuned().login_per_ip.unwrap_or(a.login_ip_per_minute);
        self.limit(format!("login:ip:{ip}"), Quota::per_minute(per_minute, per_minute)).await?;
        let login = normalize_login(&m.login);
        let fail_key = format!("login:fail:{login}");
        if let Decision::Limited { retry_after } = self.state.limiter.peek(&fail_key, self.failure_quota()).await {
            self.state.metrics.rate_limited.with_label_values(&["login_account"]).inc();
            return Err(AuthError::Feature(AuthFault::RateLimited { retry_after }));
        }
        let mut conn = self.conn().await?;
        let user = repo::user_by_login(&mut conn, &login).await?;
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        // Always one argon2 verification, against a dummy hash for unknown accounts.
        let ok = self.state.hasher.verify(m.password, stored).await?;
        let Some(user) = user.filter(|_| ok) else {
            let _ = self.state.limiter.check(&fail_key, self.failure_quota()).await;
            let entry =
                AuditEntry::new("auth.login_failed").from(&m.client).data(serde_json::json!({ "login": login }));
            audit::record(&mut conn, entry).await?;
            return Err(AuthError::Feature(AuthFault::InvalidCredentials));
        };
        let user = self.admit(&mut conn, user).await?;
        audit::record(&mut conn, AuditEntry::new("auth.login").actor(user.id).target("user", user.id).from(&m.client))
            .await?;
        self.start_session(&mut conn, &user, &m.client).await
    }

    pub async fn refresh(&self, m: Refresh) -> Result<TokenPair, AuthError> {
        let grace = Duration::from_secs(self.state.config.jwt.refresh_reuse_grace_secs);
        let next = random_token()?;
        let mut conn = self.conn().await?;
        match repo::rotate_refresh(&mut conn, &hash(&m.refresh_token), &hash(&next), grace).await? {
            Rotation::Invalid => Err(AuthError::Feature(AuthFault::TokenInvalid)),
            Rotation::Reused { session_id, user_id } => {
                self.state.denylist.revoke_session(session_id, self.access_ttl());
                let entry =
                    AuditEntry::new("auth.refresh_reuse").actor(user_id).target("session", session_id).from(&m.client);
                audit::record(&mut conn, entry).await?;
                tracing::warn!(%session_id, %user_id, "refresh token reuse: session revoked");
                Err(AuthError::Feature(AuthFault::RefreshReused))
            }
            Rotation::Rotated { session_id, user_id } => {
                let user =
                    repo::user_by_id(&mut conn, user_id).await?.ok_or(AuthError::Feature(AuthFault::TokenInvalid))?;
                ensure_active(&user)?;
                self.pair(&user, session_id, next)
            }
        }
    }

    pub async fn logout(&self, m: Logout) -> Result<(), AuthError> {
        let mut conn = self.conn().await?;
        let session = repo::session_of_token(&mut conn, &hash(&m.refresh_token)).await?;
        // Someone else's refresh token, or an unknown one, changes nothing (and says nothing).
        if let Some(session) = session.filter(|s| s.user_id == m.user)
            && repo::revoke_session(&mut conn, m.user, session.id, "logout").await?
        {
            self.state.denylist.revoke_session(session.id, self.access_ttl());
            let entry = AuditEntry::new("auth.logout").actor(m.user).target("session", session.id).from(&m.client);
            audit::record(&mut conn, entry).await?;
        }
        Ok(())
    }

    pub async fn logout_all(&self, m: LogoutAll) -> Result<(), AuthError> {
        let mut conn = self.conn().await?;
        let revoked = repo::revoke_all_sessions(&mut conn, m.user, "logout_all").await?;
        for sid in &revoked {
            self.state.denylist.revoke_session(*sid, self.access_ttl());
        }
        let entry = AuditEntry::new("auth.logout_all")
            .actor(m.user)
            .target("user", m.user)
            .from(&m.client)
            .data(serde_json::json!({ "sessions": revoked.len() }));
        audit::record(&mut conn, entry).await?;
        Ok(())
    }

    pub async fn me(&self, m: GetMe) -> Result<Me, AuthError> {
        let mut conn = self.conn().await?;
        let user = repo::user_by_id(&mut conn, m.user).await?.ok_or(AuthError::Feature(AuthFault::Unauthenticated))?;
        Ok(me_of(&user))
    }

    pub async fn sessions(&self, m: ListSessions) -> Result<Vec<SessionView>, AuthError> {
        let mut conn = self.conn().await?;
        let rows = repo::list_sessions(&mut conn, m.user).await?;
        Ok(rows
            .into_iter()
            .map(|s| SessionView {
                current: s.id == m.current,
                id: s.id,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                user_agent: s.user_agent,
                ip: s.ip,
            })
            .collect())
    }

    pub async fn revoke_session(&self, m: RevokeSession) -> Result<(), AuthError> {
        let mut conn = self.conn().await?;
        if !repo::revoke_session(&mut conn, m.user, m.session, "revoked_by_user").await? {
            return Err(AuthError::NotFound);
        }
        self.state.denylist.revoke_session(m.session, self.access_ttl());
        audit::record(
            &mut conn,
            AuditEntry::new("auth.session_revoked").actor(m.user).target("session", m.session).from(&m.client),
        )
        .await?;
        Ok(())
    }

    pub async fn request_magic_link(&self, m: RequestMagicLink) -> Result<(), AuthError> {
        // Answered 202 whatever happens below: no account enumeration.
        let Ok(email) = normalize_email(&m.email) else { return Ok(()) };
        let mut conn = self.conn().await?;
        let Some(user) = repo::user_by_email(&mut conn, &email).await? else { return Ok(()) };
        if user.status != UserStatus::Active {
            return Ok(());
        }
        let token = random_token()?;
        let ttl = Duration::from_secs(self.state.config.auth.magic_link_ttl_secs);
        let link = format!("{}/auth/magic-link?token={token}", self.state.config.auth.public_url.trim_end_matches('/'));
        let body = format!(
            "Hello {},\n\nSign in to Veza with this link (valid {} minutes, once):\n{link}\n\nOr paste this code: {token}\n\nIf you did not ask for it, ignore this mail.\n",
            user.username,
            ttl.as_secs() / 60
        );
        let user_id = user.id;
        let to = user.email.clone();
        diesel_async::AsyncConnection::transaction::<(), AuthError, _>(&mut *conn, async |conn| {
            repo::insert_magic_link(conn, &hash(&token), user_id, ttl).await?;
            mail::enqueue(conn, &to, "Your Veza sign-in link", &body, "magic_link").await?;
            Ok(())
        })
        .await
    }

    pub async fn verify_magic_link(&self, m: VerifyMagicLink) -> Result<TokenPair, AuthError> {
        let mut conn = self.conn().await?;
        let user_id = repo::consume_magic_link(&mut conn, &hash(m.token.trim()))
            .await?
            .ok_or(AuthError::Feature(AuthFault::LinkInvalid))?;
        let user = repo::user_by_id(&mut conn, user_id).await?.ok_or(AuthError::Feature(AuthFault::LinkInvalid))?;
        let user = self.admit(&mut conn, user).await?;
        // The link reached the inbox: the address is verified.
        repo::mark_email_verified(&mut conn, user.id).await?;
        audit::record(
            &mut conn,
            AuditEntry::new("auth.login")
                .actor(user.id)
                .from(&m.client)
                .data(serde_json::json!({ "method": "magic_link" })),
        )
        .await?;
        self.start_session(&mut conn, &user, &m.client).await
    }

    fn provider(&self, name: &str) -> Result<(Provider, &crate::config::OAuthProviderConfig), AuthError> {
        let p = Provider::parse(name).ok_or(AuthError::NotFound)?;
        let cfg = p.config(&self.state.config.oauth);
        if cfg.enabled() { Ok((p, cfg)) } else { Err(AuthError::NotFound) }
    }

    fn callback_url(&self, p: Provider) -> String {
        format!("{}/api/v1/auth/oauth/{}/callback", self.state.config.auth.public_url.trim_end_matches('/'), p.as_str())
    }

    pub async fn oauth_authorize(&self, m: OAuthAuthorize) -> Result<String, AuthError> {
        let (p, cfg) = self.provider(&m.provider)?;
        if let Some(uri) = &m.redirect_uri
            && !self.state.config.auth.redirect_allowlist.iter().any(|a| a == uri)
        {
            return Err(AuthError::Invalid { field: "redirect_uri", message: "not an allowed redirect URI".into() });
        }
        let state = random_token()?;
        let verifier = random_token()?;
        let ttl = Duration::from_secs(self.state.config.auth.oauth_state_ttl_secs);
        let mut conn = self.conn().await?;
        repo::insert_oauth_state(&mut conn, &hash(&state), p.as_str(), &verifier, m.redirect_uri.as_deref(), ttl)
            .await?;
        oauth::authorize_url(cfg, &self.callback_url(p), &state, &pkce_challenge(&verifier))
    }

    pub async fn oauth_callback(&self, m: OAuthCallback) -> Result<CallbackOutcome, AuthError> {
        let (p, cfg) = self.provider(&m.provider)?;
        let mut conn = self.conn().await?;
        let pending = repo::take_oauth_state(&mut conn, &hash(&m.state))
            .await?
            .ok_or(AuthError::Feature(AuthFault::OAuthStateInvalid))?;
        if pending.provider != p.as_str() {
            return Err(AuthError::Feature(AuthFault::OAuthStateInvalid));
        }
        let identity =
            oauth::identify(&self.state.http, p, cfg, &self.callback_url(p), &m.code, &pending.pkce_verifier).await?;
        let user = self.user_for_identity(&mut conn, p, &identity).await?;
        let user = self.admit(&mut conn, user).await?;
        let entry = AuditEntry::new("auth.login")
            .actor(user.id)
            .from(&m.client)
            .data(serde_json::json!({ "method": p.as_str() }));
        audit::record(&mut conn, entry).await?;
        match pending.redirect_uri {
            Some(uri) => {
                let code = random_token()?;
                let ttl = Duration::from_secs(self.state.config.auth.login_code_ttl_secs);
                repo::insert_login_code(&mut conn, &hash(&code), user.id, ttl).await?;
                let mut url =
                    url::Url::parse(&uri).map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))?;
                url.query_pairs_mut().append_pair("login_code", &code);
                Ok(CallbackOutcome::Redirect(url.to_string()))
            }
            None => Ok(CallbackOutcome::Tokens(self.start_session(&mut conn, &user, &m.client).await?)),
        }
    }

    /// The account of an external identity: already linked; else linked by a *verified*
    /// email; else created.
    async fn user_for_identity(
        &self,
        conn: &mut AsyncPgConnection,
        p: Provider,
        id: &Identity,
    ) -> Result<UserRow, AuthError> {
        if let Some(u) = repo::user_by_identity(conn, p.as_str(), &id.subject).await? {
            return Ok(u);
        }
        let email =
            id.email.as_deref().map(normalize_email).transpose()?.ok_or_else(|| {
                AuthError::Feature(AuthFault::OAuthProvider("the provider gave no email address".into()))
            })?;
        if id.email_verified
            && let Some(u) = repo::user_by_email(conn, &email).await?
        {
            repo::link_identity(conn, p.as_str(), &id.subject, u.id, Some(&email)).await?;
            repo::mark_email_verified(conn, u.id).await?;
            return Ok(u);
        }
        self.registration_open()?;
        let username = self.free_username(conn, id.username_hint.as_deref().unwrap_or("user")).await?;
        let provider_name = id.name.as_deref().and_then(|n| {
            veza_core::text::display_name_from(
                &unicode_normalization::UnicodeNormalization::nfkc(n).collect::<String>(),
            )
        });
        let user = repo::insert_user(
            conn,
            NewUser {
                id: UserId::new_v7(),
                email: &email,
                email_verified: id.email_verified,
                username: &username,
                password_hash: None,
                // The provider's name, held to the rule `PATCH /users/me` applies.
                display_name: provider_name.as_deref(),
                roles: vec!["user".into()],
            },
        )
        .await?;
        repo::link_identity(conn, p.as_str(), &id.subject, user.id, Some(&email)).await?;
        crate::activity::record(conn, user.id, "account.registered", serde_json::json!({ "via": p.as_str() })).await?;
        Ok(user)
    }

    /// A valid, unused username derived from `hint`.
    async fn free_username(&self, conn: &mut AsyncPgConnection, hint: &str) -> Result<String, AuthError> {
        let base: String =
            hint.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(24).collect();
        let base = if base.len() < 3 { format!("user_{base}") } else { base };
        if normalize_username(&base).is_ok() && !repo::username_exists(conn, &base).await? {
            return Ok(base);
        }
        for _ in 0..10 {
            let suffix = &random_token()?[..6].to_lowercase().replace(['-', '_'], "x");
            let candidate = format!("{base}_{suffix}");
            if normalize_username(&candidate).is_ok() && !repo::username_exists(conn, &candidate).await? {
                return Ok(candidate);
            }
        }
        Err(AuthError::Feature(AuthFault::Internal("no free username".into())))
    }

    pub async fn oauth_exchange(&self, m: OAuthExchange) -> Result<TokenPair, AuthError> {
        let mut conn = self.conn().await?;
        let user_id = repo::consume_login_code(&mut conn, &hash(m.login_code.trim()))
            .await?
            .ok_or(AuthError::Feature(AuthFault::LinkInvalid))?;
        let user = repo::user_by_id(&mut conn, user_id).await?.ok_or(AuthError::Feature(AuthFault::LinkInvalid))?;
        let user = self.admit(&mut conn, user).await?;
        self.start_session(&mut conn, &user, &m.client).await
    }
}
