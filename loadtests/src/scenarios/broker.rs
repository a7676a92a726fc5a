//! `broker`: what one RabbitMQ can carry for Veza's fan-out, without any node: publishers send
//! envelope-sized messages to a topic exchange with publisher confirms (as a node's bridge
//! does), `--queues` consumers (the other nodes, each its own exclusive queue bound to the same
//! room key) read and ack them. Reports confirmed publishes/s, envelopes delivered/s (one per
//! queue per publish) and publish-to-consume latency. The exchange is the run's own and goes
//! with it.

use crate::report::Error;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    url: String,
    /// Queues bound to the room key: the nodes a room's envelope reaches.
    #[arg(long, default_value_t = 2)]
    queues: usize,
    /// Publishing connections (a node publishes on one channel).
    #[arg(long, default_value_t = 2)]
    publishers: usize,
    /// Publishes awaiting their confirm, per publisher.
    #[arg(long, default_value_t = 256)]
    window: usize,
    /// Body size in bytes (a chat message envelope is about 300).
    #[arg(long, default_value_t = 300)]
    bytes: usize,
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    #[arg(long)]
    out: Option<PathBuf>,
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(0))
}

fn amqp(e: lapin::Error) -> Error {
    Error::Setup(format!("RabbitMQ: {e}"))
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.queues == 0 || args.publishers == 0 || args.window == 0 || args.bytes < 8 || args.duration <= 0.0 {
        return Err(Error::Usage("--queues, --publishers, --window positive; --bytes >= 8; --duration > 0".into()));
    }
    let exchange = format!("veza.bench.broker.{}", std::process::id());
    let setup = Connection::connect(&args.url, ConnectionProperties::default()).await.map_err(amqp)?;
    let ch = setup.create_channel().await.map_err(amqp)?;
    ch.exchange_declare(
        exchange.as_str().into(),
        ExchangeKind::Topic,
        ExchangeDeclareOptions::default(),
        FieldTable::default(),
    )
    .await
    .map_err(amqp)?;

    let delivered = Arc::new(AtomicU64::new(0));
    let mut consumers = Vec::new();
    for i in 0..args.queues {
        let conn = Connection::connect(&args.url, ConnectionProperties::default()).await.map_err(amqp)?;
        let ch = conn.create_channel().await.map_err(amqp)?;
        let queue = format!("{exchange}.node{i}");
        let q = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
        ch.queue_declare(queue.as_str().into(), q, FieldTable::default()).await.map_err(amqp)?;
        ch.queue_bind(
            queue.as_str().into(),
            exchange.as_str().into(),
            "room.bench".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(amqp)?;
        ch.basic_qos(256, BasicQosOptions::default()).await.map_err(amqp)?;
        let mut consumer = ch
            .basic_consume(queue.as_str().into(), "bench".into(), BasicConsumeOptions::default(), FieldTable::default())
            .await
            .map_err(amqp)?;
        let delivered = delivered.clone();
        // A consumer ends once its queue has stayed empty for 2 s (the publishers are done).
        consumers.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            let _conn = conn;
            while let Ok(Some(Ok(d))) = tokio::time::timeout(Duration::from_secs(2), consumer.next()).await {
                let sent = d.data.get(..8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes);
                if let Some(h) = hist.as_mut() {
                    let _ = h.record(now_us().saturating_sub(sent).max(1));
                }
                delivered.fetch_add(1, Ordering::Relaxed);
                let _ = d.ack(BasicAckOptions::default()).await;
            }
            hist
        }));
    }

    let confirmed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.min(600.0));
    let started = Instant::now();
    let mut publishers = Vec::new();
    for _ in 0..args.publishers {
        let conn = Connection::connect(&args.url, ConnectionProperties::default()).await.map_err(amqp)?;
        let ch = conn.create_channel().await.map_err(amqp)?;
        ch.confirm_select(ConfirmSelectOptions::default()).await.map_err(amqp)?;
        let (exchange, confirmed, window, bytes) = (exchange.clone(), confirmed.clone(), args.window, args.bytes);
        publishers.push(tokio::spawn(async move {
            let _conn = conn;
            let mut in_flight = std::collections::VecDeque::with_capacity(window);
            let mut body = vec![0x5au8; bytes];
            while Instant::now() < deadline {
                body[..8].copy_from_slice(&now_us().to_le_bytes());
                let publish = ch.basic_publish(
                    exchange.as_str().into(),
                    "room.bench".into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default(),
                );
                match publish.await {
                    Ok(confirm) => in_flight.push_back(confirm),
                    Err(_) => break,
                }
                if in_flight.len() >= window
                    && let Some(c) = in_flight.pop_front()
                    && c.await.is_ok()
                {
                    confirmed.fetch_add(1, Ordering::Relaxed);
                }
            }
            for c in in_flight {
                if c.await.is_ok() {
                    confirmed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for p in publishers {
        let _ = p.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| Error::Usage(e.to_string()))?;
    for c in consumers {
        if let Ok(Some(h)) = c.await {
            let _ = latency.add(&h);
        }
    }
    let _ = ch.exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default()).await;
    let (confirmed, delivered) = (confirmed.load(Ordering::Relaxed), delivered.load(Ordering::Relaxed));
    let q = |p: f64| latency.value_at_quantile(p) as f64 / 1000.0;
    let report = serde_json::json!({
        "scenario": "broker",
        "queues": args.queues,
        "publishers": args.publishers,
        "window": args.window,
        "bytes": args.bytes,
        "seconds": elapsed,
        "confirmed": confirmed,
        "confirmed_per_s": confirmed as f64 / elapsed,
        "delivered": delivered,
        "delivered_per_s": delivered as f64 / elapsed,
        "lost": (confirmed * args.queues as u64).saturating_sub(delivered),
        "latency_ms": { "p50": q(0.5), "p99": q(0.99), "max": latency.max() as f64 / 1000.0 },
    });
    println!(
        "broker: {confirmed} confirmed publishes ({:.0}/s), {delivered} envelopes delivered to {} queues ({:.0}/s), latency p50 {:.1} ms p99 {:.1} ms",
        confirmed as f64 / elapsed,
        args.queues,
        delivered as f64 / elapsed,
        q(0.5),
        q(0.99)
    );
    if let Some(path) = args.out {
        std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap_or_default())
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}
