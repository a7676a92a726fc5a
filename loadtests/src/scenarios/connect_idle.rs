//! `connect-idle`: opens N authenticated WebSockets (a bounded number of handshakes in flight),
//! keeps them idle (answering pings) for a while, and reports connects/s and, given the node's
//! pid, its resident memory per connection (`VmRSS` from /proc before and after).

use crate::net::{Sources, websocket};
use crate::progress::Progress;
use crate::report::Error;
use crate::wire::{Protocol, Wire};
use futures_util::StreamExt;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use veza_core::limits::raise_open_files;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL of a node; repeat to spread connections over several.
    #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
    urls: Vec<String>,
    /// JSON lines from `veza admin mint-tokens` (used round-robin).
    #[arg(long)]
    tokens: PathBuf,
    /// WebSockets to open.
    #[arg(long, short = 'n', default_value_t = 1000)]
    connections: usize,
    /// Handshakes in flight at once.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Seconds to hold the connections once all are open.
    #[arg(long, default_value_t = 10.0)]
    hold: f64,
    /// The node's pid, to read its memory from /proc (same host only).
    #[arg(long)]
    node_pid: Option<u32>,
    /// Loopback source addresses to spread connections over (127.0.1.x).
    #[arg(long, default_value_t = 8)]
    sources: usize,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct IdleReport {
    pub scenario: &'static str,
    pub target: String,
    pub asked: usize,
    pub connected: u64,
    pub failed: u64,
    pub closed_while_idle: u64,
    pub connect_seconds: f64,
    pub connects_per_s: f64,
    pub open_files_limit: u64,
    pub node_rss_before_kib: Option<u64>,
    pub node_rss_after_kib: Option<u64>,
    pub node_kib_per_connection: Option<f64>,
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.connections == 0 || args.concurrency == 0 {
        return Err(Error::Usage("--connections and --concurrency must be positive".into()));
    }
    let tokens = crate::inputs::tokens(&args.tokens)?;
    let limit = raise_open_files();
    if limit > 0 && args.connections as u64 + 64 > limit {
        eprintln!("warning: {} connections but the open-files limit is {limit}", args.connections);
    }
    let wire = Wire { protocol: Protocol::Veza, msgpack: false };
    let before = args.node_pid.and_then(crate::probe::rss_kib);
    let sources = Arc::new(Sources::new(args.sources));
    let gate = Arc::new(Semaphore::new(args.concurrency));
    let (connected, failed, closed) =
        (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (release_tx, release) = tokio::sync::watch::channel(false);
    let progress = Progress::new();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        let url = wire.url(&args.urls[i % args.urls.len()], &tokens[i % tokens.len()]);
        let (sources, gate, connected, failed, closed) =
            (sources.clone(), gate.clone(), connected.clone(), failed.clone(), closed.clone());
        let mut release = release.clone();
        tasks.push(tokio::spawn(async move {
            let opened = {
                let Ok(_permit) = gate.acquire().await else { return };
                tokio::time::timeout(Duration::from_secs(30), websocket(&sources, &url, wire.subprotocol())).await
            };
            let Ok(Ok(mut ws)) = opened else {
                failed.fetch_add(1, Ordering::Relaxed);
                return;
            };
            connected.fetch_add(1, Ordering::Relaxed);
            // Idle, but reading: pings are answered, a close is noticed.
            loop {
                tokio::select! {
                    frame = ws.next() => {
                        if !matches!(frame, Some(Ok(_))) {
                            if !*release.borrow() {
                                closed.fetch_add(1, Ordering::Relaxed);
                            }
                            return;
                        }
                    }
                    _ = release.changed() => return,
                }
            }
        }));
    }
    while connected.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < args.connections as u64 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        progress.say(format!(
            "connecting: {} open, {} failed of {}",
            connected.load(Ordering::Relaxed),
            failed.load(Ordering::Relaxed),
            args.connections
        ));
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    let open = connected.load(Ordering::Relaxed);
    progress.println(format!("{open} open in {connect_seconds:.1} s; holding {} s", args.hold));
    let hold = Duration::from_secs_f64(args.hold.clamp(0.0, 3600.0));
    let holding = Instant::now();
    while holding.elapsed() < hold {
        tokio::time::sleep(Duration::from_millis(250)).await;
        progress.say(format!("holding {open} idle connections, {} closed", closed.load(Ordering::Relaxed)));
    }
    let after = args.node_pid.and_then(crate::probe::rss_kib);
    let _ = release_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    progress.finish();
    let per_conn = match (before, after) {
        (Some(b), Some(a)) if open > 0 => Some(a.saturating_sub(b) as f64 / open as f64),
        _ => None,
    };
    let report = IdleReport {
        scenario: "connect-idle",
        target: args.urls.join(","),
        asked: args.connections,
        connected: open,
        failed: failed.load(Ordering::Relaxed),
        closed_while_idle: closed.load(Ordering::Relaxed),
        connect_seconds,
        connects_per_s: open as f64 / connect_seconds.max(1e-9),
        open_files_limit: limit,
        node_rss_before_kib: before,
        node_rss_after_kib: after,
        node_kib_per_connection: per_conn,
    };
    println!(
        "scenario    connect-idle: {} asked, {} open, {} failed, {} closed while idle",
        report.asked, open, report.failed, report.closed_while_idle
    );
    println!("connects    {:.0}/s ({:.1} s)", report.connects_per_s, connect_seconds);
    if let (Some(b), Some(a), Some(p)) = (before, after, per_conn) {
        println!("node RSS    {b} KiB -> {a} KiB: {p:.1} KiB per connection");
    }
    if let Some(path) = &args.out {
        let text = serde_json::to_string_pretty(&report).map_err(|e| Error::Setup(e.to_string()))?;
        std::fs::write(path, text)?;
    }
    crate::report::check_errors(report.failed + report.closed_while_idle, args.connections as u64)
}
