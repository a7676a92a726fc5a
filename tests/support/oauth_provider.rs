//! A fake OAuth2 provider for tests, speaking the real protocol: `/authorize` redirects with a
//! code, `/token` exchanges it only with the right client secret, redirect URI and PKCE
//! verifier, then bearer-authenticated userinfo (Google's `/userinfo`, GitHub's `/user` and
//! `/user/emails`).

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "veza-test-client";
pub const CLIENT_SECRET: &str = "veza-test-secret";

/// Who logs in at the provider.
#[derive(Debug, Clone)]
pub struct Profile {
    pub subject: String,
    pub email: String,
    pub verified: bool,
    pub name: String,
    pub login: String,
}

#[derive(Default)]
struct State {
    profile: Option<Profile>,
    /// code -> (challenge, redirect_uri)
    codes: HashMap<String, (String, String)>,
    tokens: HashMap<String, Profile>,
    counter: u64,
}

pub struct FakeProvider {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    server: actix_web::dev::ServerHandle,
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    client_id: String,
    client_secret: String,
    code_verifier: String,
}

type Shared = web::Data<Arc<Mutex<State>>>;

async fn authorize(st: Shared, q: web::Query<AuthorizeQuery>) -> HttpResponse {
    if q.response_type != "code" || q.client_id != CLIENT_ID || q.code_challenge_method != "S256" {
        return HttpResponse::BadRequest().body("bad authorize request");
    }
    let mut s = st.lock().expect("state");
    s.counter += 1;
    let code = format!("code-{}", s.counter);
    s.codes.insert(code.clone(), (q.code_challenge.clone(), q.redirect_uri.clone()));
    let sep = if q.redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{}{sep}code={code}&state={}", q.redirect_uri, urlencode(&q.state));
    HttpResponse::Found().insert_header(("location", location)).finish()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn token(st: Shared, f: web::Form<TokenForm>) -> HttpResponse {
    let mut s = st.lock().expect("state");
    let invalid = HttpResponse::BadRequest().json(serde_json::json!({ "error": "invalid_grant" }));
    if f.grant_type != "authorization_code" || f.client_id != CLIENT_ID || f.client_secret != CLIENT_SECRET {
        return invalid;
    }
    // A code works once.
    let Some((challenge, redirect_uri)) = s.codes.remove(&f.code) else { return invalid };
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(f.code_verifier.as_bytes()));
    if computed != challenge || redirect_uri != f.redirect_uri {
        return invalid;
    }
    let Some(profile) = s.profile.clone() else { return invalid };
    s.counter += 1;
    let token = format!("at-{}", s.counter);
    s.tokens.insert(token.clone(), profile);
    HttpResponse::Ok().json(serde_json::json!({ "access_token": token, "token_type": "bearer" }))
}

fn profile_of(st: &Shared, req: &actix_web::HttpRequest) -> Option<Profile> {
    let auth = req.headers().get("authorization")?.to_str().ok()?;
    let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer "))?;
    st.lock().ok()?.tokens.get(token).cloned()
}

async fn google_userinfo(st: Shared, req: actix_web::HttpRequest) -> HttpResponse {
    match profile_of(&st, &req) {
        Some(p) => HttpResponse::Ok().json(serde_json::json!({
            "sub": p.subject, "email": p.email, "email_verified": p.verified, "name": p.name
        })),
        None => HttpResponse::Unauthorized().finish(),
    }
}

async fn github_user(st: Shared, req: actix_web::HttpRequest) -> HttpResponse {
    match profile_of(&st, &req) {
        Some(p) => HttpResponse::Ok().json(serde_json::json!({
            "id": p.subject.parse::<i64>().unwrap_or(1), "login": p.login, "name": p.name, "email": null
        })),
        None => HttpResponse::Unauthorized().finish(),
    }
}

async fn github_emails(st: Shared, req: actix_web::HttpRequest) -> HttpResponse {
    match profile_of(&st, &req) {
        Some(p) => HttpResponse::Ok().json(serde_json::json!([
            { "email": format!("noreply-{}@users.github.example", p.subject), "primary": false, "verified": true },
            { "email": p.email, "primary": true, "verified": p.verified }
        ])),
        None => HttpResponse::Unauthorized().finish(),
    }
}

impl FakeProvider {
    pub fn start() -> FakeProvider {
        let state = Arc::new(Mutex::new(State::default()));
        let data = web::Data::new(state.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route("/authorize", web::get().to(authorize))
                        .route("/token", web::post().to(token))
                        .route("/userinfo", web::get().to(google_userinfo))
                        .route("/user", web::get().to(github_user))
                        .route("/user/emails", web::get().to(github_emails))
                })
                .workers(1)
                .disable_signals()
                .bind("127.0.0.1:0")
                .expect("bind fake provider");
                let addr = server.addrs()[0];
                let server = server.run();
                let _ = tx.send((addr, server.handle()));
                let _ = server.await;
            });
        });
        let (addr, server) = rx.recv().expect("fake provider started");
        FakeProvider { addr, state, server }
    }

    /// The next login at the provider is this person.
    pub fn login_as(&self, p: Profile) {
        self.state.lock().expect("state").profile = Some(p);
    }

    /// `VEZA__OAUTH__<PROVIDER>__*` pointing the node at this provider.
    pub fn env(&self, provider: &str) -> Vec<(String, String)> {
        let up = provider.to_uppercase();
        let base = format!("http://{}", self.addr);
        let userinfo = if provider == "github" { format!("{base}/user") } else { format!("{base}/userinfo") };
        let emails = if provider == "github" { format!("{base}/user/emails") } else { String::new() };
        vec![
            (format!("VEZA__OAUTH__{up}__CLIENT_ID"), CLIENT_ID.into()),
            (format!("VEZA__OAUTH__{up}__CLIENT_SECRET"), CLIENT_SECRET.into()),
            (format!("VEZA__OAUTH__{up}__AUTHORIZE_URL"), format!("{base}/authorize")),
            (format!("VEZA__OAUTH__{up}__TOKEN_URL"), format!("{base}/token")),
            (format!("VEZA__OAUTH__{up}__USERINFO_URL"), userinfo),
            (format!("VEZA__OAUTH__{up}__EMAILS_URL"), emails),
        ]
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        let stop = self.server.stop(false);
        std::mem::drop(stop);
    }
}
