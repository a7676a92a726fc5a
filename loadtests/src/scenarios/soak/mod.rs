//! `soak`: the most connections the machine allows, held for a long run with chat traffic and
//! REST reads, while the node's memory and open files are sampled. It passes when nothing failed
//! (every connection open to the end, every send acked, every delivery made, every read 2xx),
//! resident memory drifted less than `--max-drift-pct` between the start and the end of the
//! measured window (after the warm-up), and the node's open files came back where they started.

mod conn;
mod rest;
mod samples;

use crate::inputs;
use crate::net::Sources;
use crate::progress::Progress;
use crate::report::{Error, Latency};
use crate::wire::{Protocol, Wire};
use conn::{Conn, Phase, Tally};
use hdrhistogram::Histogram;
use rest::{Reader, RestTally};
use samples::Sample;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};
use veza_core::limits::raise_open_files;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL of a node; repeat to spread connections over several.
    #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
    urls: Vec<String>,
    /// JSON lines from `veza admin mint-tokens` (used round-robin; each user a member of every room).
    #[arg(long)]
    tokens: PathBuf,
    /// Room ids (repeat); connection i joins room i mod rooms.
    #[arg(long = "room", required = true)]
    rooms: Vec<String>,
    /// WebSockets to hold.
    #[arg(long, short = 'n', default_value_t = 18_000)]
    connections: usize,
    /// Handshakes in flight at once.
    #[arg(long, default_value_t = 128)]
    concurrency: usize,
    /// Connections that also send (spread over the rooms).
    #[arg(long, default_value_t = 300)]
    senders: usize,
    /// Seconds between two sends of one sender.
    #[arg(long, default_value_t = 3.0)]
    send_every: f64,
    /// REST readers (keep-alive clients).
    #[arg(long, default_value_t = 8)]
    rest_clients: usize,
    /// REST reads per second, all readers together.
    #[arg(long, default_value_t = 100.0)]
    rest_rate: f64,
    /// Paths to GET in turn; `{id}` takes ids from --ids, `{room}` the rooms.
    #[arg(long = "get")]
    paths: Vec<String>,
    #[arg(long)]
    ids: Option<PathBuf>,
    /// Seconds of traffic before the measured window.
    #[arg(long, default_value_t = 300.0)]
    warmup: f64,
    /// Seconds of the measured window.
    #[arg(long, short = 'd', default_value_t = 1800.0)]
    duration: f64,
    /// Seconds between two samples of the node.
    #[arg(long, default_value_t = 10.0)]
    sample: f64,
    /// The node's pid, to read its memory and open files from /proc.
    #[arg(long)]
    node_pid: Option<u32>,
    /// Loopback source addresses to spread connections over (127.0.1.x).
    #[arg(long, default_value_t = 8)]
    sources: usize,
    /// Largest accepted growth of resident memory over the measured window, in percent.
    #[arg(long, default_value_t = 5.0)]
    max_drift_pct: f64,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct SoakReport {
    pub scenario: &'static str,
    pub target: String,
    pub asked: usize,
    pub connected: u64,
    pub connect_failed: u64,
    pub connect_seconds: f64,
    pub closed_early: u64,
    pub error_frames: u64,
    pub sent: u64,
    pub acked: u64,
    pub unacked: u64,
    pub delivered: u64,
    pub owed: u64,
    pub lost: u64,
    pub delivery_latency: Latency,
    pub rest_ok: u64,
    pub rest_failed: u64,
    pub warmup_s: f64,
    pub measured_s: f64,
    pub rss_start_kib: Option<u64>,
    pub rss_end_kib: Option<u64>,
    pub rss_max_kib: Option<u64>,
    pub rss_drift_pct: Option<f64>,
    pub open_files_start: Option<u64>,
    pub open_files_end: Option<u64>,
    pub errors: u64,
    pub passed: bool,
    pub samples: Vec<Sample>,
}

fn check(args: &Args) -> Result<(), Error> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if args.connections == 0 || args.concurrency == 0 || args.senders > args.connections {
        return Err(Error::Usage("--connections, --concurrency positive; --senders at most --connections".into()));
    }
    if !positive(args.send_every) || !positive(args.duration) || !positive(args.sample) || args.warmup < 0.0 {
        return Err(Error::Usage("--send-every, --duration and --sample must be positive".into()));
    }
    if args.rest_clients > 0 && (!positive(args.rest_rate) || args.paths.is_empty()) {
        return Err(Error::Usage("REST readers need --rest-rate and at least one --get".into()));
    }
    Ok(())
}

pub async fn run(args: Args) -> Result<(), Error> {
    check(&args)?;
    let tokens = inputs::tokens(&args.tokens)?;
    let ids = match &args.ids {
        Some(p) => inputs::lines(p)?,
        None => Vec::new(),
    };
    if args.paths.iter().any(|p| p.contains("{id}")) && ids.is_empty() {
        return Err(Error::Usage("a path has {id} but --ids gave none".into()));
    }
    let limit = raise_open_files();
    if limit > 0 && (args.connections + args.rest_clients) as u64 + 64 > limit {
        eprintln!("warning: {} connections but the open-files limit is {limit}", args.connections);
    }
    let wire = Wire { protocol: Protocol::Veza, msgpack: false };
    let tally = Arc::new(Tally::new(args.rooms.len()));
    let sources = Arc::new(Sources::new(args.sources));
    let gate = Arc::new(Semaphore::new(args.concurrency));
    let (phase_tx, phase) = watch::channel(Phase::Joining);
    let progress = Progress::new();
    let started = Instant::now();
    // Senders are every (connections / senders)-th connection, so they fall in every room.
    let stride = args.connections / args.senders.max(1);
    let mut conns = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        let room_index = i % args.rooms.len();
        let sends = args.senders > 0 && i % stride == 0 && i / stride < args.senders;
        let conn = Conn {
            index: i,
            url: wire.url(&args.urls[i % args.urls.len()], &tokens[i % tokens.len()]),
            wire,
            room: args.rooms[room_index].clone(),
            room_index,
            send_every: sends.then(|| Duration::from_secs_f64(args.send_every)),
        };
        conns.push(tokio::spawn(conn.run(tally.clone(), sources.clone(), gate.clone(), phase.clone())));
    }
    let settled = || tally.open.load(Ordering::Relaxed) + tally.connect_failed.load(Ordering::Relaxed);
    while settled() < args.connections as u64 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        progress.say(format!(
            "connecting: {} joined, {} failed of {}",
            tally.open.load(Ordering::Relaxed),
            tally.connect_failed.load(Ordering::Relaxed),
            args.connections
        ));
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    let connected = tally.open.load(Ordering::Relaxed);
    progress.println(format!("{connected} joined in {connect_seconds:.1} s"));

    let rest_tally = Arc::new(RestTally::default());
    let (stop_tx, stop) = watch::channel(false);
    let paths: Arc<Vec<String>> = Arc::new(
        (0..ids.len().max(args.rooms.len()))
            .flat_map(|k| {
                let id = ids.get(k % ids.len().max(1)).cloned().unwrap_or_default();
                let room = &args.rooms[k % args.rooms.len()];
                args.paths.iter().map(move |p| p.replace("{id}", &id).replace("{room}", room)).collect::<Vec<_>>()
            })
            .collect(),
    );
    let readers: Vec<_> = (0..args.rest_clients)
        .map(|k| {
            let reader = Reader {
                base: args.urls[k % args.urls.len()].trim_end_matches('/').to_owned(),
                paths: paths.clone(),
                token: tokens[k % tokens.len()].clone(),
                every: Duration::from_secs_f64(args.rest_clients as f64 / args.rest_rate),
                offset: k * 7919,
            };
            tokio::spawn(reader.run(rest_tally.clone(), stop.clone()))
        })
        .collect();

    let _ = phase_tx.send(Phase::Sending);
    let traffic = Instant::now();
    let total = args.warmup + args.duration;
    let errors_now = || {
        tally.connect_failed.load(Ordering::Relaxed)
            + tally.closed.load(Ordering::Relaxed)
            + tally.error_frames.load(Ordering::Relaxed)
            + rest_tally.failed.load(Ordering::Relaxed)
    };
    let mut samples = Vec::new();
    loop {
        let at_s = traffic.elapsed().as_secs_f64();
        let s = Sample {
            at_s,
            measuring: at_s >= args.warmup,
            rss_kib: args.node_pid.and_then(crate::probe::rss_kib),
            open_files: args.node_pid.and_then(crate::probe::open_files),
            open_sockets: tally.open.load(Ordering::Relaxed),
            sent: tally.sent.load(Ordering::Relaxed),
            acked: tally.acked.load(Ordering::Relaxed),
            delivered: tally.delivered.load(Ordering::Relaxed),
            rest_ok: rest_tally.ok.load(Ordering::Relaxed),
            errors: errors_now(),
        };
        progress.println(format!(
            "{:>6.0} s{} rss {} KiB, {} files, {} open, {} sent, {} acked, {} delivered, {} reads, {} errors",
            s.at_s,
            if s.measuring { "" } else { " (warm-up)" },
            s.rss_kib.unwrap_or(0),
            s.open_files.unwrap_or(0),
            s.open_sockets,
            s.sent,
            s.acked,
            s.delivered,
            s.rest_ok,
            s.errors
        ));
        samples.push(s);
        if at_s >= total {
            break;
        }
        tokio::time::sleep(Duration::from_secs_f64(args.sample.min(total - at_s).max(0.05))).await;
    }

    // The tail: acks and deliveries of the last sends arrive.
    let _ = phase_tx.send(Phase::Draining);
    let _ = stop_tx.send(true);
    for r in readers {
        let _ = r.await;
    }
    let drained = Instant::now();
    while drained.elapsed() < Duration::from_secs(15)
        && (tally.acked.load(Ordering::Relaxed) < tally.sent.load(Ordering::Relaxed)
            || tally.delivered.load(Ordering::Relaxed) < tally.owed())
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (sent, acked, delivered, owed) = (
        tally.sent.load(Ordering::Relaxed),
        tally.acked.load(Ordering::Relaxed),
        tally.delivered.load(Ordering::Relaxed),
        tally.owed(),
    );
    let errors_before_close = errors_now();
    let _ = phase_tx.send(Phase::Done);
    let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).map_err(|e| Error::Setup(e.to_string()))?;
    for c in conns {
        if let Ok(Some(h)) = c.await {
            let _ = hist.add(&h);
        }
    }
    progress.finish();

    let rss = samples::ends(&samples, 6, |s| s.rss_kib);
    let files = samples::ends(&samples, 6, |s| s.open_files);
    let drift = rss.map(|(a, b)| (b as f64 - a as f64) * 100.0 / (a.max(1) as f64));
    let unacked = sent.saturating_sub(acked);
    let lost = owed.saturating_sub(delivered);
    let errors = errors_before_close + unacked + lost;
    let files_stable = files.is_none_or(|(a, b)| b <= a + a / 100 + 16);
    let passed = errors == 0 && drift.is_none_or(|d| d < args.max_drift_pct) && files_stable;
    let report = SoakReport {
        scenario: "soak",
        target: args.urls.join(","),
        asked: args.connections,
        connected,
        connect_failed: tally.connect_failed.load(Ordering::Relaxed),
        connect_seconds,
        closed_early: tally.closed.load(Ordering::Relaxed),
        error_frames: tally.error_frames.load(Ordering::Relaxed),
        sent,
        acked,
        unacked,
        delivered,
        owed,
        lost,
        delivery_latency: Latency::of(&hist),
        rest_ok: rest_tally.ok.load(Ordering::Relaxed),
        rest_failed: rest_tally.failed.load(Ordering::Relaxed),
        warmup_s: args.warmup,
        measured_s: args.duration,
        rss_start_kib: rss.map(|r| r.0),
        rss_end_kib: rss.map(|r| r.1),
        rss_max_kib: samples.iter().filter_map(|s| s.rss_kib).max(),
        rss_drift_pct: drift,
        open_files_start: files.map(|f| f.0),
        open_files_end: files.map(|f| f.1),
        errors,
        passed,
        samples,
    };
    print(&report);
    if let Some(path) = &args.out {
        let text = serde_json::to_string_pretty(&report).map_err(|e| Error::Setup(e.to_string()))?;
        std::fs::write(path, text)?;
    }
    if passed { Ok(()) } else { Err(Error::Failed("the soak missed its aims (see above)".into())) }
}

fn print(r: &SoakReport) {
    println!(
        "scenario    soak: {} of {} joined in {:.1} s, {} failed, {} closed early",
        r.connected, r.asked, r.connect_seconds, r.connect_failed, r.closed_early
    );
    println!(
        "chat        {} sent, {} acked ({} unacked), {} of {} deliveries ({} lost), {} error frames",
        r.sent, r.acked, r.unacked, r.delivered, r.owed, r.lost, r.error_frames
    );
    let l = &r.delivery_latency;
    println!("latency     p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", l.p50_ms, l.p99_ms, l.max_ms);
    println!("rest        {} ok, {} failed", r.rest_ok, r.rest_failed);
    if let (Some(a), Some(b), Some(d)) = (r.rss_start_kib, r.rss_end_kib, r.rss_drift_pct) {
        println!(
            "node RSS    {a} KiB -> {b} KiB over the measured window: {d:+.2}% (max {} KiB)",
            r.rss_max_kib.unwrap_or(0)
        );
    }
    if let (Some(a), Some(b)) = (r.open_files_start, r.open_files_end) {
        println!("open files  {a} -> {b}");
    }
    println!("verdict     {} ({} errors)", if r.passed { "passed" } else { "FAILED" }, r.errors);
}
