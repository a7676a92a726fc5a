//! OAuth2 authorization-code flow with PKCE (S256) against Google and GitHub. Endpoints come
//! from config, so tests point them at a fake provider speaking the same protocol.

use super::model::AuthError;
use crate::auth::model::AuthFault;
use crate::config::OAuthProviderConfig;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Github,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::Google, Provider::Github];

    /// The providers with a client id configured, in a stable order.
    pub fn configured(cfg: &crate::config::OAuthConfig) -> Vec<Provider> {
        Provider::ALL.into_iter().filter(|p| p.config(cfg).enabled()).collect()
    }

    pub fn config(self, cfg: &crate::config::OAuthConfig) -> &OAuthProviderConfig {
        match self {
            Provider::Google => &cfg.google,
            Provider::Github => &cfg.github,
        }
    }

    /// How a login button names it.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Google => "Google",
            Provider::Github => "GitHub",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        match s {
            "google" => Some(Provider::Google),
            "github" => Some(Provider::Github),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Github => "github",
        }
    }
}

/// Who the provider says the user is.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub username_hint: Option<String>,
}

/// The URL to send the browser to.
pub fn authorize_url(
    cfg: &OAuthProviderConfig,
    callback: &str,
    state: &str,
    challenge: &str,
) -> Result<String, AuthError> {
    let mut url =
        url::Url::parse(&cfg.authorize_url).map_err(|e| AuthError::Feature(AuthFault::Internal(e.to_string())))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &cfg.client_id)
        .append_pair("redirect_uri", callback)
        .append_pair("scope", &cfg.scopes)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(url.to_string())
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
}

/// Exchanges the code (with the PKCE verifier) and reads the user's identity.
pub async fn identify(
    http: &reqwest::Client,
    provider: Provider,
    cfg: &OAuthProviderConfig,
    callback: &str,
    code: &str,
    verifier: &str,
) -> Result<Identity, AuthError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", callback),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.as_str()),
        ("code_verifier", verifier),
    ];
    let res = http
        .post(&cfg.token_url)
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| AuthError::Feature(AuthFault::OAuthProvider(format!("token endpoint: {e}"))))?;
    if res.status().is_client_error() {
        // The provider refused the code or the verifier: this login attempt is not valid.
        return Err(AuthError::Feature(AuthFault::LinkInvalid));
    }
    if !res.status().is_success() {
        return Err(AuthError::Feature(AuthFault::OAuthProvider(format!("token endpoint answered {}", res.status()))));
    }
    let token: TokenReply =
        res.json().await.map_err(|e| AuthError::Feature(AuthFault::OAuthProvider(format!("token reply: {e}"))))?;
    match provider {
        Provider::Google => google_identity(http, cfg, &token.access_token).await,
        Provider::Github => github_identity(http, cfg, &token.access_token).await,
    }
}

async fn get_json<T: for<'de> Deserialize<'de>>(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<T, AuthError> {
    let res = http
        .get(url)
        .bearer_auth(token)
        .header("accept", "application/json")
        .header("user-agent", "veza")
        .send()
        .await
        .map_err(|e| AuthError::Feature(AuthFault::OAuthProvider(format!("{url}: {e}"))))?;
    if !res.status().is_success() {
        return Err(AuthError::Feature(AuthFault::OAuthProvider(format!("{url} answered {}", res.status()))));
    }
    res.json().await.map_err(|e| AuthError::Feature(AuthFault::OAuthProvider(format!("{url}: {e}"))))
}

#[derive(Deserialize)]
struct GoogleUser {
    sub: String,
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    name: Option<String>,
}

async fn google_identity(
    http: &reqwest::Client,
    cfg: &OAuthProviderConfig,
    token: &str,
) -> Result<Identity, AuthError> {
    let u: GoogleUser = get_json(http, &cfg.userinfo_url, token).await?;
    let hint = u.email.as_deref().and_then(|e| e.split('@').next()).map(str::to_owned);
    Ok(Identity { subject: u.sub, email: u.email, email_verified: u.email_verified, name: u.name, username_hint: hint })
}

#[derive(Deserialize)]
struct GithubUser {
    id: i64,
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

async fn github_identity(
    http: &reqwest::Client,
    cfg: &OAuthProviderConfig,
    token: &str,
) -> Result<Identity, AuthError> {
    let u: GithubUser = get_json(http, &cfg.userinfo_url, token).await?;
    // Only /user/emails says which addresses are verified; prefer the primary verified one.
    let emails: Vec<GithubEmail> =
        if cfg.emails_url.is_empty() { Vec::new() } else { get_json(http, &cfg.emails_url, token).await? };
    let best =
        emails.iter().filter(|e| e.verified).max_by_key(|e| e.primary).or_else(|| emails.iter().find(|e| e.primary));
    Ok(Identity {
        subject: u.id.to_string(),
        email: best.map(|e| e.email.clone()),
        email_verified: best.is_some_and(|e| e.verified),
        name: u.name,
        username_hint: Some(u.login),
    })
}
