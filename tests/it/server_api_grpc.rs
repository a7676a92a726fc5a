//! The gRPC door itself: health checking, reflection, TLS, and the drain (health NOT_SERVING,
//! `WatchRoom` streams ended with UNAVAILABLE).

use crate::support::TestApp;
use crate::support::app::test_config;
use crate::support::db::TestDb;
use serde_json::{Value, json};
use std::time::Duration;
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use veza::server_api::grpc::pb::{self, server_api_client::ServerApiClient};
use veza::server_api::model::Scope;

const SERVICE: &str = "veza.server.v1.ServerApi";

async fn channel(app: &TestApp) -> Channel {
    let addr = app.handle.grpc_addr().expect("gRPC enabled");
    Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.expect("connects")
}

async fn health(channel: Channel) -> i32 {
    let mut h = HealthClient::new(channel);
    let req = HealthCheckRequest { service: SERVICE.into() };
    h.check(req).await.map(|r| r.into_inner().status).unwrap_or(-1)
}

#[tokio::test]
async fn health_and_reflection_name_the_service() {
    let app = TestApp::spawn_with(&[("VEZA__GRPC__ENABLED", "true")]).await;
    let ch = channel(&app).await;
    assert_eq!(health(ch.clone()).await, ServingStatus::Serving as i32);
    let mut r = ServerReflectionClient::new(ch);
    let ask = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = r.server_reflection_info(tokio_stream::iter([ask])).await.unwrap().into_inner();
    let reply = replies.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else { panic!("a service list") };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&SERVICE.to_owned()), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health".to_owned()), "{names:?}");
}

#[tokio::test]
async fn a_drain_says_not_serving_and_ends_watch_streams_unavailable() {
    let app = TestApp::spawn_with(&[("VEZA__GRPC__ENABLED", "true")]).await;
    let (_, a, _) = app.user("drainowner").await;
    let res = app.post_json("/api/v1/rooms", &json!({ "name": "Drained", "visibility": "public" }), Some(&a)).await;
    let room = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let key = {
        let mut conn = app.db.conn().await;
        veza::server_api::admin::create(&mut conn, "drain_bot", &[Scope::Watch], None).await.unwrap().key
    };
    let ch = channel(&app).await;
    let mut c = ServerApiClient::new(ch.clone());
    let mut req = tonic::Request::new(pb::WatchRoomRequest { room, since_seq: 0 });
    req.metadata_mut().insert("authorization", format!("ApiKey {key}").parse().unwrap());
    let mut stream = c.watch_room(req).await.unwrap().into_inner();
    let handle = app.handle.clone();
    let drain = tokio::spawn(async move { handle.drain().await });
    // During the drain's delay (300 ms in tests) health says NOT_SERVING, for the service and
    // for the server as a whole, while calls are still answered.
    let not_serving = ServingStatus::NotServing as i32;
    crate::support::app::eventually(Duration::from_millis(250), "NOT_SERVING", || {
        let ch = ch.clone();
        async move { (health(ch).await == not_serving).then_some(()) }
    })
    .await;
    let mut h = HealthClient::new(ch.clone());
    let overall = h.check(HealthCheckRequest { service: String::new() }).await.unwrap().into_inner().status;
    assert_eq!(overall, not_serving);
    let ended = tokio::time::timeout(Duration::from_secs(10), stream.message()).await.expect("the stream ends");
    assert_eq!(ended.unwrap_err().code(), Code::Unavailable);
    drain.await.unwrap();
}

#[tokio::test]
async fn tls_when_a_certificate_is_set() {
    let dir = std::env::temp_dir().join(format!("veza-grpc-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        // A server's own certificate, trusted directly: not a CA (webpki refuses a CA as the end entity).
        .args(["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let db = TestDb::new().await;
    let (c, k) = (cert.display().to_string(), key.display().to_string());
    let vars = [
        ("VEZA__GRPC__ENABLED", "true"),
        ("VEZA__GRPC__TLS_CERT_PATH", c.as_str()),
        ("VEZA__GRPC__TLS_KEY_PATH", k.as_str()),
    ];
    let app = TestApp::start(test_config(&db.url, &vars), db).await;
    let port = app.handle.grpc_addr().unwrap().port();
    let pem = std::fs::read(&cert).unwrap();
    let tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)).domain_name("localhost");
    let ch =
        Channel::from_shared(format!("https://localhost:{port}")).unwrap().tls_config(tls).unwrap().connect().await;
    assert_eq!(health(ch.expect("a TLS connection")).await, ServingStatus::Serving as i32);
    // Plaintext to a TLS port is refused, not served.
    let plain = Channel::from_shared(format!("http://127.0.0.1:{port}")).unwrap().connect().await;
    if let Ok(ch) = plain {
        assert_eq!(health(ch).await, -1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
