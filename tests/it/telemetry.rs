//! Traces over OTLP, against a receiver decoding the real protobuf: one chat message sent on one
//! node and delivered by another is one trace (send, the writer's batch linked to it, delivery,
//! the other node's fan-out); a trusted proxy's `traceparent` is continued as sent, anyone
//! else's is not allowed to decide what is recorded; JSON log lines carry the trace id. The
//! nodes are child processes: the log subscriber (and its OTel layer) is process-wide.

use crate::support::TestDb;
use crate::support::app::{PASSWORD, client, eventually};
use crate::support::otlp::{Got, OtlpReceiver};
use crate::support::process::ChildNode;
use crate::support::ws::ChatClient;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn node(db: &TestDb, otlp: &OtlpReceiver, name: &str, extra: &[(&str, &str)]) -> ChildNode {
    let (id, exchange, prefix) =
        (format!("{name}-{}", db.name), format!("veza.otel.{}", db.name), format!("{}:", db.name));
    let endpoint = otlp.endpoint();
    let mut vars = vec![
        ("VEZA__DATABASE__URL", db.url.as_str()),
        ("VEZA__AMQP__URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
        ("VEZA__AMQP__EXCHANGE", exchange.as_str()),
        ("VEZA__REDIS__URL", "redis://127.0.0.1:6379"),
        ("VEZA__REDIS__KEY_PREFIX", prefix.as_str()),
        ("VEZA__NODE__ID", id.as_str()),
        ("VEZA__RATE_LIMIT__ENABLED", "false"),
        ("VEZA__TELEMETRY__OTLP_ENDPOINT", endpoint.as_str()),
        ("VEZA__TELEMETRY__EXPORT_DELAY_MS", "100"),
    ];
    vars.extend_from_slice(extra);
    tokio::task::block_in_place(|| ChildNode::spawn(&vars))
}

async fn register(node: &ChildNode, name: &str) -> String {
    let body = json!({ "email": format!("{name}@example.com"), "username": name, "password": PASSWORD });
    let res = client().post(node.url("/api/v1/auth/register")).json(&body).send().await.expect("register");
    let v: Value = res.json().await.expect("json");
    v["access_token"].as_str().expect("token").to_owned()
}

async fn wait_amqp(node: &ChildNode) {
    for _ in 0..100 {
        let health: Value = match client().get(node.url("/health")).send().await {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => Value::Null,
        };
        if health["checks"]["amqp"] == "ok" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the node's broker link never came up");
}

fn find<'a>(spans: &'a [Got], node: &str, name: &str, trace: &str) -> Option<&'a Got> {
    spans.iter().find(|s| s.node.starts_with(node) && s.name == name && s.trace_id == trace)
}

fn log_lines_with(node: &ChildNode, trace: &str) -> Vec<Value> {
    node.logs()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["trace_id"] == trace)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_message_across_two_nodes_is_one_trace_and_callers_trace_ids_are_continued() {
    let otlp = OtlpReceiver::start().await;
    let db = TestDb::new().await;
    // a believes the test (127.0.0.1) as a proxy and records every new trace; b believes no
    // one and records none of its own: what it records, it records for another node's trace.
    let a = node(&db, &otlp, "otel-a", &[("VEZA__SERVER__TRUSTED_PROXIES", "127.0.0.1")]);
    let b = node(&db, &otlp, "otel-b", &[("VEZA__TELEMETRY__SAMPLE_RATIO", "0")]);
    let (ana, bob) = (register(&a, "ana").await, register(&b, "bob").await);

    // A trusted proxy's traceparent: the request's span is its child, in its trace.
    let (t1, s1) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let res = client()
        .get(a.url("/api/v1/users/me"))
        .bearer_auth(&ana)
        .header("traceparent", format!("00-{t1}-{s1}-01"))
        .send()
        .await
        .expect("me");
    assert_eq!(res.status(), 200);
    // An untrusted caller asks for its trace to be recorded: b keeps the id, not the flag.
    let (t2, s2) = ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
    let res = client()
        .get(b.url("/api/v1/users/me"))
        .bearer_auth(&bob)
        .header("traceparent", format!("00-{t2}-{s2}-01"))
        .send()
        .await
        .expect("me");
    assert_eq!(res.status(), 200);

    let request = otlp
        .wait_for(WAIT, "span of the proxied request", |s| find(s, "otel-a", "GET /api/v1/users/me", t1).cloned())
        .await;
    assert_eq!(request.parent_span_id, s1, "the request span continues the proxy's span");
    let span_id = request.span_id.clone();
    eventually(WAIT, "a's access log line names the trace and the request's span", || async {
        log_lines_with(&a, t1).iter().any(|l| l["message"] == "served" && l["span_id"] == span_id).then_some(())
    })
    .await;
    eventually(WAIT, "b logs the caller's trace id although it records nothing for it", || async {
        log_lines_with(&b, t2).iter().any(|l| l["message"] == "served").then_some(())
    })
    .await;

    // One message: ana sends on a, bob reads it on b.
    let room = client()
        .post(a.url("/api/v1/rooms"))
        .bearer_auth(&ana)
        .json(&json!({ "name": "Traced", "visibility": "public" }))
        .send()
        .await
        .expect("room");
    let room: Value = room.json().await.expect("json");
    let room = room["id"].as_str().expect("id").to_owned();
    wait_amqp(&a).await;
    wait_amqp(&b).await;
    let mut bob_ws = ChatClient::connect(b.addr, &bob).await;
    bob_ws.join(&room, None).await;
    let mut ana_ws = ChatClient::connect(a.addr, &ana).await;
    ana_ws.join(&room, None).await;
    ana_ws.send(json!({ "type": "send", "room": room, "body": "traced hello", "client_id": "trace-1" })).await;
    let ack = ana_ws.expect("ack").await;
    let got = bob_ws.expect("message").await;
    assert_eq!((got["body"].as_str(), got["seq"].clone()), (Some("traced hello"), ack["seq"].clone()));

    let send = otlp
        .wait_for(WAIT, "chat.send span", |s| {
            s.iter().find(|g| g.node.starts_with("otel-a") && g.name == "chat.send").cloned()
        })
        .await;
    assert_eq!(send.parent_span_id, "", "a session's send is the root of its own trace");
    let t = send.trace_id.clone();
    let deliver = otlp.wait_for(WAIT, "chat.deliver span", |s| find(s, "otel-a", "chat.deliver", &t).cloned()).await;
    assert_eq!(deliver.parent_span_id, send.span_id);
    let fanout = otlp.wait_for(WAIT, "b's chat.fanout span", |s| find(s, "otel-b", "chat.fanout", &t).cloned()).await;
    assert_eq!(fanout.parent_span_id, deliver.span_id, "b continues the trace the envelope carried");
    let commit = otlp
        .wait_for(WAIT, "the writer's batch linked to the message", |s| {
            s.iter().find(|g| g.name == "chat.commit" && g.links.contains(&(t.clone(), send.span_id.clone()))).cloned()
        })
        .await;
    assert_ne!(commit.trace_id, t, "a batch is its own trace, linked to each message it carries");

    // b's fan-out span (ended after its request) has been exported: the untrusted request's
    // trace would have been by now, had the caller's flag been followed.
    assert!(
        otlp.spans().iter().all(|g| g.trace_id != t2),
        "an untrusted caller's sampled flag decided nothing: {:#?}",
        otlp.spans().iter().filter(|g| g.trace_id == t2).collect::<Vec<_>>()
    );
}
