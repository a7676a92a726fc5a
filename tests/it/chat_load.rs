//! Slow consumers and connection churn: the node sheds a client that stops reading without
//! slowing the others or growing, and forgets clients that vanish.

use crate::support::TestApp;
use crate::support::app::eventually;
use crate::support::ws::ChatClient;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_while_others_get_everything() {
    let app =
        TestApp::spawn_with(&[("VEZA__CHAT__SEND_PER_MINUTE", "1000000"), ("VEZA__CHAT__SEND_BURST", "100000")]).await;
    let (_, owner, _) = app.user("hub").await;
    let res = app.post_json("/api/v1/rooms", &json!({ "name": "Flood", "visibility": "public" }), Some(&owner)).await;
    let r = res.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let (_, t_reader, _) = app.user("reader").await;
    let (_, t_stalled, _) = app.user("stalled").await;
    let mut reader = ChatClient::connect(app.addr, &t_reader).await;
    let mut stalled = ChatClient::connect_small_buffer(app.addr, &t_stalled).await;
    let mut sender = ChatClient::connect(app.addr, &owner).await;
    reader.join(&r, None).await;
    stalled.join(&r, None).await;
    sender.join(&r, None).await;

    let before = rss_kib();
    let total = 3000;
    let body = "x".repeat(3000);
    // The sender reads its own copies on the side, so only `stalled` stops reading.
    let (mut sink, mut stream) = sender.ws.split();
    let drain = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    // Paced so the reading client is never far behind: it is a reader, not a victim of
    // CPU contention in a busy test run.
    let received = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let seen = received.clone();
    let send_all = async {
        for i in 0..total {
            while i - seen.load(std::sync::atomic::Ordering::Acquire) > 200 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let frame = json!({ "type": "send", "room": r, "body": body, "client_id": format!("f{i}") });
            sink.send(Message::Text(frame.to_string().into())).await.expect("send");
        }
        sink
    };
    let read_all = async {
        for seq in 1..=total {
            let m = reader.expect("message").await;
            assert_eq!(m["seq"], seq, "the reading client gets everything, in order");
            received.store(seq, std::sync::atomic::Ordering::Release);
        }
        reader
    };
    let (_sink, _reader) = tokio::join!(send_all, read_all);
    drain.abort();
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    assert!(grown_mib < 64, "memory stays flat while a client stalls: grew {grown_mib} MiB for 9 MB of traffic");

    let dropped = app.metric("veza_ws_slow_consumer_disconnects_total").await.unwrap_or(0.0);
    assert!(dropped >= 1.0, "the stalled client was counted as a slow consumer");
    // Reading again, the stalled client finds far fewer messages, then the end of its connection.
    let mut got = 0;
    while let Some(f) = stalled.next(Duration::from_secs(5)).await {
        if f["type"] == "message" {
            got += 1;
        }
    }
    assert!(got < total, "the stalled client was cut off (received {got} of {total})");
}

#[tokio::test]
async fn vanished_clients_leave_no_trace() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = app.user("host").await;
    let res = app.post_json("/api/v1/rooms", &json!({ "name": "Churn", "visibility": "public" }), Some(&owner)).await;
    let r = res.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let mut clients = Vec::new();
    for _ in 0..40 {
        let mut c = ChatClient::connect(app.addr, &owner).await;
        c.join(&r, None).await;
        clients.push(c);
    }
    assert_eq!(app.metric("veza_ws_connections").await, Some(40.0));
    // Half close politely, half just vanish.
    for (i, mut c) in clients.into_iter().enumerate() {
        if i % 2 == 0 {
            let _ = c.ws.close(None).await;
        }
        drop(c);
    }
    eventually(Duration::from_secs(10), "connections back to zero", || async {
        (app.metric("veza_ws_connections").await == Some(0.0)).then_some(())
    })
    .await;
    let rooms = app.handle.state().realtime.rooms.clone();
    eventually(Duration::from_secs(10), "the idle room stopped", || async {
        (rooms.live_rooms().await == 0).then_some(())
    })
    .await;
}
