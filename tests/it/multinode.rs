//! Two nodes on one database and one RabbitMQ exchange (private to the test): room messages
//! and user events cross nodes.

use crate::support::app::test_config;
use crate::support::ws::ChatClient;
use crate::support::{TestApp, TestDb};
use serde_json::{Value, json};

async fn two_nodes() -> (TestApp, TestApp) {
    two_nodes_with(&[]).await
}

/// Two nodes on one database, one private exchange and one Redis key prefix, plus `extra`.
pub(crate) async fn two_nodes_with(extra: &[(&str, &str)]) -> (TestApp, TestApp) {
    two_nodes_on(TestDb::new().await, [AMQP, AMQP], extra).await
}

/// Two nodes (ids `n1-<db>`, `n2-<db>`) on `db`, each reaching RabbitMQ at its own URL (a test
/// may put a proxy in front of one), sharing a private exchange and Redis key prefix; `extra`
/// variables apply to both and win over these.
pub(crate) async fn two_nodes_on(db: TestDb, amqp: [&str; 2], extra: &[(&str, &str)]) -> (TestApp, TestApp) {
    let exchange = format!("veza.test.{}", db.name);
    let prefix = format!("{}:", db.name);
    let cfg = |node: usize| {
        let id = format!("n{}-{}", node + 1, db.name);
        let mut v = vec![
            ("VEZA__AMQP__URL", amqp[node]),
            ("VEZA__AMQP__EXCHANGE", exchange.as_str()),
            ("VEZA__REDIS__URL", REDIS),
            ("VEZA__REDIS__KEY_PREFIX", prefix.as_str()),
            ("VEZA__NODE__ID", id.as_str()),
        ];
        v.extend_from_slice(extra);
        test_config(&db.url, &v)
    };
    let (c1, c2) = (cfg(0), cfg(1));
    let shared = db.share();
    let n1 = TestApp::start(c1, db).await;
    let n2 = TestApp::start(c2, shared).await;
    (n1, n2)
}

pub(crate) const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub(crate) const REDIS: &str = "redis://127.0.0.1:6379";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_message_sent_on_one_node_reaches_a_member_on_the_other() {
    let (n1, n2) = two_nodes().await;
    let (_, a, _) = n1.user("node_a").await;
    let (_, b, _) = n1.user("node_b").await;
    let res = n1.post_json("/api/v1/rooms", &json!({ "name": "Across", "visibility": "public" }), Some(&a)).await;
    let room = res.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let mut ca = ChatClient::connect(n1.addr, &a).await;
    let mut cb = ChatClient::connect(n2.addr, &b).await;
    ca.join(&room, None).await;
    cb.join(&room, None).await;
    // Give node 2's binding a moment to reach the broker.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for i in 1..=5 {
        ca.send(json!({ "type": "send", "room": room, "body": format!("x{i}"), "client_id": format!("x{i}") })).await;
    }
    for seq in 1..=5 {
        let m = cb.expect("message").await;
        assert_eq!(m["seq"], seq, "node 2 delivers node 1's messages in seq order");
    }
    // And back.
    cb.send(json!({ "type": "send", "room": room, "body": "from n2", "client_id": "y1" })).await;
    for seq in 1..=6 {
        let m = ca.expect("message").await;
        assert_eq!(m["seq"], seq, "node 1 sees one order too, its own messages and node 2's");
        if seq == 6 {
            assert_eq!(m["body"], "from n2");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_event_raised_on_one_node_reaches_the_user_on_the_other() {
    let (n1, n2) = two_nodes().await;
    let (a_id, a, _) = n1.user("evt_a").await;
    let (b_id, b, _) = n1.user("evt_b").await;
    let mut cb = ChatClient::connect(n2.addr, &b).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let res = n1.post_json(&format!("/api/v1/users/{b_id}/friend-request"), &json!({}), Some(&a)).await;
    assert_eq!(res.status(), 201);
    let ev = cb.expect("event").await;
    assert_eq!((ev["kind"].as_str(), ev["data"]["from"].as_str()), (Some("friend.request"), Some(a_id.as_str())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_typing_and_deletions_cross_nodes() {
    let (n1, n2) = two_nodes().await;
    let (_, a, _) = n1.user("pres_a").await;
    let (b_id, b, _) = n1.user("pres_b").await;
    let res = n1.post_json("/api/v1/rooms", &json!({ "name": "Presence", "visibility": "public" }), Some(&a)).await;
    let room = res.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let mut ca = ChatClient::connect(n1.addr, &a).await;
    ca.join(&room, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut cb = ChatClient::connect(n2.addr, &b).await;
    cb.join(&room, None).await;
    let p = ca.expect("presence").await;
    assert_eq!(
        (p["user"]["id"].as_str(), p["online"].as_bool()),
        (Some(b_id.as_str()), Some(true)),
        "node 1 hears node 2's join"
    );
    cb.send(json!({ "type": "typing", "room": room })).await;
    assert_eq!(ca.expect("typing").await["user"]["username"], "pres_b");

    cb.send(json!({ "type": "send", "room": room, "body": "oops", "client_id": "del1" })).await;
    let m = ca.expect("message").await;
    let path = format!("/api/v1/rooms/{room}/messages/{}", m["id"]);
    assert_eq!(n2.send_auth(reqwest::Method::DELETE, &path, &b, None).await.status(), 204);
    let d = ca.expect("message_deleted").await;
    assert_eq!(d["seq"], m["seq"], "a deletion made on node 2 reaches node 1");
}

/// nginx on a spare loopback port in front of the given nodes (deploy/nginx/veza.conf with
/// the upstream and port rewritten); stopped when dropped.
struct Nginx {
    child: std::process::Child,
    port: u16,
    _dir: std::path::PathBuf,
}

impl Nginx {
    fn start(nodes: &[std::net::SocketAddr]) -> Nginx {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let dir = std::env::temp_dir().join(format!("veza-nginx-{port}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let site =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx/veza.conf")).expect("veza.conf");
        let servers: String = nodes.iter().map(|a| format!("    server {a} max_fails=2 fail_timeout=5s;\n")).collect();
        let site = site
            .replace("    server 127.0.0.1:8081 max_fails=2 fail_timeout=5s;\n    server 127.0.0.1:8082 max_fails=2 fail_timeout=5s;\n", &servers)
            .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"));
        std::fs::write(dir.join("veza.conf"), site).expect("site");
        let d = dir.display();
        let main = format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n include {d}/veza.conf;\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), main).expect("conf");
        let bin =
            ["/usr/sbin/nginx", "nginx"].into_iter().find(|b| std::path::Path::new(b).exists()).unwrap_or("nginx");
        let child = std::process::Command::new(bin)
            // One process, in the foreground: killing it leaves no orphaned worker behind.
            .args(["-c", &format!("{d}/nginx.conf"), "-g", "daemon off; master_process off;"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nginx installed (make services)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Nginx { child, port, _dir: dir }
    }

    fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_fans_out_through_nginx_in_front_of_two_nodes() {
    let (n1, n2) = two_nodes().await;
    let lb = Nginx::start(&[n1.addr, n2.addr]);
    let (_, a, _) = n1.user("lb_a").await;
    let (_, b, _) = n1.user("lb_b").await;
    let res = n1.post_json("/api/v1/rooms", &json!({ "name": "Balanced", "visibility": "public" }), Some(&a)).await;
    let room = res.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    // least_conn spreads the two long-lived sockets over the two nodes.
    let mut ca = ChatClient::connect(lb.addr(), &a).await;
    let mut cb = ChatClient::connect(lb.addr(), &b).await;
    ca.join(&room, None).await;
    cb.join(&room, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(n1.metric("veza_ws_connections").await, Some(1.0), "one socket on node 1");
    assert_eq!(n2.metric("veza_ws_connections").await, Some(1.0), "one socket on node 2");
    for i in 1..=3 {
        ca.send(json!({ "type": "send", "room": room, "body": format!("lb{i}"), "client_id": format!("lb{i}") })).await;
    }
    for seq in 1..=3 {
        assert_eq!(cb.expect("message").await["seq"], seq);
    }
    // Plain HTTP goes through the balancer too, request id and all.
    let res = n1.client.get(format!("http://{}/health", lb.addr())).send().await.expect("through nginx");
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-request-id").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_nginx_refuses_before_any_node_answer_problem_json_with_the_security_headers() {
    let node = TestApp::spawn().await;
    let lb = Nginx::start(&[node.addr]);
    let long_uri = format!("http://{}/api/v1/listings?q={}", lb.addr(), "a".repeat(20_000));
    let big_header = "b".repeat(40_000);
    let cases = [
        (node.client.get(long_uri), 414u64),
        (node.client.get(format!("http://{}/health", lb.addr())).header("x-big", big_header), 431),
    ];
    for (req, status) in cases {
        let res = req.send().await.expect("nginx answers");
        assert_eq!(u64::from(res.status().as_u16()), status);
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("content-type").as_deref(), Some("application/problem+json"));
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        let p: Value = res.json().await.expect("a problem body");
        assert_eq!((p["status"].as_u64(), p["code"].as_str()), (Some(status), Some("bad_request")));
    }
    // A request line nginx cannot parse.
    let raw = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(lb.addr()).expect("connect");
        c.write_all(b"NOT AN HTTP LINE\r\n\r\n").expect("write");
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        out
    })
    .await
    .expect("read");
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
    assert!(
        raw.contains("application/problem+json") && raw.to_lowercase().contains("x-content-type-options: nosniff"),
        "{raw}"
    );
    assert!(raw.contains(r#""code":"bad_request""#), "{raw}");
}
