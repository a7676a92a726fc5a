//! Forged and stale tokens are refused; rotated keys keep verifying until retired.

use crate::support::TestApp;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use diesel::QueryableByName;
use diesel::sql_types::Bytea;
use diesel_async::RunQueryDsl;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

async fn status_with(app: &TestApp, token: &str) -> (u16, String) {
    let res = app.get_auth("/api/v1/auth/me", token).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = Bytea)]
    private_der: Vec<u8>,
    #[diesel(sql_type = Bytea)]
    public_key: Vec<u8>,
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&B64.decode(payload).expect("b64")).expect("json")
}

#[tokio::test]
async fn forged_tokens_are_all_401() {
    let app = TestApp::spawn().await;
    let (_, good, _) = app.user("mallory").await;
    assert_eq!(status_with(&app, &good).await.0, 200);
    let header = jsonwebtoken::decode_header(&good).expect("header");
    let kid = header.kid.clone().expect("kid");
    let claims = claims_of(&good);
    let parts: Vec<&str> = good.split('.').collect();

    // alg: none, no signature.
    let none_header = B64.encode(json!({ "alg": "none", "typ": "JWT", "kid": kid }).to_string());
    let none = format!("{none_header}.{}.", parts[1]);
    assert_eq!(status_with(&app, &none).await, (401, "token_invalid".into()), "alg none");

    // HS256 keyed with the public key (the algorithm-swap attack).
    let key: Key = diesel::sql_query("SELECT private_der, public_key FROM signing_keys WHERE kid = $1")
        .bind::<diesel::sql_types::Text, _>(&kid)
        .get_result(&mut app.db.conn().await)
        .await
        .expect("key");
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    let swapped = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(&key.public_key)).expect("sign");
    assert_eq!(status_with(&app, &swapped).await.0, 401, "HS256 with the public key");

    // A key of our own under an unknown kid.
    let mut seed = [7u8; 32];
    seed[0] = 42;
    let foreign = ed25519_dalek::SigningKey::from_bytes(&seed);
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let der = foreign.to_pkcs8_der().expect("der");
    let mut eh = Header::new(Algorithm::EdDSA);
    eh.kid = Some("not-a-key-of-ours".into());
    let unknown = jsonwebtoken::encode(&eh, &claims, &EncodingKey::from_ed_der(der.as_bytes())).expect("sign");
    assert_eq!(status_with(&app, &unknown).await.0, 401, "unknown kid");
    // ... and under our kid, signed by the wrong key.
    eh.kid = Some(kid.clone());
    let wrong_key = jsonwebtoken::encode(&eh, &claims, &EncodingKey::from_ed_der(der.as_bytes())).expect("sign");
    assert_eq!(status_with(&app, &wrong_key).await.0, 401, "wrong key, right kid");

    // Tampered payload, original signature.
    let mut evil = claims.clone();
    evil["roles"] = json!(["admin"]);
    let tampered = format!("{}.{}.{}", parts[0], B64.encode(evil.to_string()), parts[2]);
    assert_eq!(status_with(&app, &tampered).await.0, 401, "tampered payload");

    // Our real key, but expired, or for another audience or issuer.
    let real = EncodingKey::from_ed_der(&key.private_der);
    let now = chrono::Utc::now().timestamp();
    let sign = |c: &Value| jsonwebtoken::encode(&eh, c, &real).expect("sign");
    let mut expired = claims.clone();
    expired["iat"] = json!(now - 3600);
    expired["exp"] = json!(now - 600);
    assert_eq!(status_with(&app, &sign(&expired)).await, (401, "token_expired".into()), "expired");
    let mut aud = claims.clone();
    aud["aud"] = json!("someone-else");
    assert_eq!(status_with(&app, &sign(&aud)).await.0, 401, "wrong audience");
    let mut iss = claims.clone();
    iss["iss"] = json!("evil");
    assert_eq!(status_with(&app, &sign(&iss)).await.0, 401, "wrong issuer");
    // The control: the same key and claims verify.
    assert_eq!(status_with(&app, &sign(&claims)).await.0, 200, "the genuine token still verifies");
}

#[tokio::test]
async fn a_rotated_key_keeps_verifying_until_retired() {
    let app = TestApp::spawn().await;
    let (_, old_token, _) = app.user("nina").await;
    let old_kid = jsonwebtoken::decode_header(&old_token).expect("header").kid.expect("kid");
    let keys = &app.handle.state().keys;
    assert!(keys.rotate_if_due(true).await.expect("rotate"), "a forced rotation creates a key");
    keys.reload().await.expect("reload");

    let (_, new_token, _) = app.user("olga").await;
    let new_kid = jsonwebtoken::decode_header(&new_token).expect("header").kid.expect("kid");
    assert_ne!(old_kid, new_kid, "new tokens use the new key");
    assert_eq!(status_with(&app, &old_token).await.0, 200, "the previous key still verifies");
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.expect("json");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2), "both keys published");

    keys.retire(&old_kid).await.expect("retire");
    assert_eq!(status_with(&app, &old_token).await.0, 401, "a retired key verifies nothing");
    assert_eq!(status_with(&app, &new_token).await.0, 200);
}
