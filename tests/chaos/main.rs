//! Chaos (`make chaos`; also part of `make test`): three `veza serve` processes on one
//! database, each reaching RabbitMQ and Redis through a TCP proxy this test owns (the shared
//! services are never stopped), 30 clients spread over the nodes chatting in three shared
//! rooms. Clients behave like real ones: on a lost connection they reconnect to another node,
//! rejoin with `last_seen`, and resend what was not acked under the same `client_id`.
//! Scenarios run one after another: (a) `kill -9` a node, (b) cut a node's broker link for
//! 10 s mid-traffic, (c) cut a node's Redis link. Each prints sent / acked / stored /
//! delivered / lost / duplicated and must show zero lost and zero duplicated.

// A failed unwrap in a test is a failed test; the helper modules under tests/ are covered here
// (clippy's allow-unwrap-in-tests reaches only #[test] and #[cfg(test)] code).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
#[allow(unused_imports)] // the shared harness re-exports what other test binaries use
mod support;

mod client;
mod cluster;
mod tally;

use cluster::Cluster;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_scenarios() {
    kill_a_node().await;
    cut_the_broker_for_ten_seconds().await;
    cut_redis().await;
}

async fn kill_a_node() {
    let mut c = Cluster::start(3).await;
    let traffic = c.traffic(Duration::from_secs(6));
    tokio::time::sleep(Duration::from_secs(2)).await;
    c.kill(2);
    let outcome = traffic.await;
    let t = tally::count(&c, &outcome).await;
    t.print("(a) kill -9 one node");
    c.dump_logs_unless(t.is_clean());
    t.assert_clean();
    assert!(outcome.reconnects >= 10, "the killed node's clients reconnected: {}", outcome.reconnects);
}

async fn cut_the_broker_for_ten_seconds() {
    let c = Cluster::start(3).await;
    let traffic = c.traffic(Duration::from_secs(14));
    tokio::time::sleep(Duration::from_secs(2)).await;
    c.brokers[1].cut();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(c.health(1).await["checks"]["amqp"], "down", "the cut node reports it");
    c.brokers[1].restore().await;
    let outcome = traffic.await;
    let t = tally::count(&c, &outcome).await;
    t.print("(b) broker link cut 10 s");
    c.dump_logs_unless(t.is_clean());
    t.assert_clean();
}

async fn cut_redis() {
    let c = Cluster::start(3).await;
    // Long enough that traffic still flows once the link is back and settled.
    let traffic = c.traffic(Duration::from_secs(12));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = c.fallbacks(0).await;
    c.redises[0].cut();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = c.fallbacks(0).await;
    c.redises[0].restore().await;
    // The link comes back within a few seconds (the pool reconnects on its own schedule, slower
    // on a loaded machine): wait until the fallbacks stop counting, at most 4 s.
    let mut after_restore = c.fallbacks(0).await;
    let settle_by = std::time::Instant::now() + Duration::from_secs(4);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = c.fallbacks(0).await;
        if now == after_restore || std::time::Instant::now() > settle_by {
            after_restore = now;
            break;
        }
        after_restore = now;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let later = c.fallbacks(0).await;
    let outcome = traffic.await;
    let t = tally::count(&c, &outcome).await;
    t.print("(c) Redis link cut 3 s");
    println!("    rate-limit local fallbacks on the cut node: {before} before, {during} during, {later} after");
    c.dump_logs_unless(t.is_clean());
    t.assert_clean();
    assert!(during > before, "limits went local while Redis was away");
    assert_eq!(later, after_restore, "limits are shared again once Redis is back");
}
