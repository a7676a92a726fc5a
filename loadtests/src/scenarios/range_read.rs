//! `range-read`: N clients, each with its own keep-alive connection, reading random byte ranges
//! of one file (`Range: bytes=a-b`, each answer checked to be a 206 of exactly that length)
//! until the duration runs out: what a crowd of players seeking through tracks asks of a
//! server. Reports ranges/s, bytes/s and latency per range; the same run against nginx serving
//! the same file is the baseline.

use crate::clients;
use crate::report::{Error, Report};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The file's full URL (a signed stream link, or nginx's copy).
    #[arg(long)]
    url: String,
    /// Concurrent clients, one connection each.
    #[arg(long, short = 'c', default_value_t = 200)]
    clients: usize,
    /// How long to run, in seconds.
    #[arg(long, short = 'd', default_value_t = 20.0)]
    duration: f64,
    /// Bytes per range.
    #[arg(long, default_value_t = 256 * 1024)]
    range_bytes: u64,
    /// Write the report as JSON here too.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct RangeReport {
    #[serde(flatten)]
    base: Report,
    range_bytes: u64,
    bytes: u64,
    bytes_per_s: f64,
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.clients == 0 || args.duration <= 0.0 || !args.duration.is_finite() || args.range_bytes == 0 {
        return Err(Error::Usage("--clients, --duration and --range-bytes must be positive".into()));
    }
    let probe = reqwest::Client::builder().no_proxy().build().map_err(|e| Error::Setup(e.to_string()))?;
    let head = probe.head(&args.url).send().await.map_err(|e| Error::Setup(format!("HEAD {}: {e}", args.url)))?;
    let size = head
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s > args.range_bytes)
        .ok_or_else(|| Error::Setup(format!("HEAD {}: no length larger than one range", args.url)))?;
    let bytes = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.min(3600.0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    for i in 0..args.clients {
        let client = clients::http_client(Duration::from_secs(30))?;
        let (url, bytes, hist) = (args.url.clone(), bytes.clone(), clients::histogram()?);
        let seed = 0x9E37_79B9_7F4A_7C15u64 ^ (i as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let shape = (size, args.range_bytes);
        tasks.push(tokio::spawn(async move { client_loop(client, url, shape, seed, bytes, deadline, hist).await }));
    }
    let (hist, errors) = clients::gather(tasks).await?;
    let elapsed = started.elapsed();
    let base = Report::from_histogram("range-read", &args.url, args.clients, elapsed, &hist, errors);
    let total = bytes.load(Ordering::Relaxed);
    let report = RangeReport {
        base,
        range_bytes: args.range_bytes,
        bytes: total,
        bytes_per_s: total as f64 / elapsed.as_secs_f64().max(1e-9),
    };
    report.base.print();
    println!(
        "bytes/s     {:.1} MB/s ({} ranges of {} bytes)",
        report.bytes_per_s / 1e6,
        report.base.ok,
        args.range_bytes
    );
    if let Some(path) = args.out {
        let text = serde_json::to_string_pretty(&report).map_err(|e| Error::Setup(e.to_string()))?;
        std::fs::write(path, text)?;
    }
    let errors: u64 = report.base.errors.values().sum();
    crate::report::check_errors(errors, errors + report.base.ok)
}

/// xorshift64*: a different, repeatable sequence of offsets per client.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

async fn client_loop(
    client: reqwest::Client,
    url: String,
    (size, len): (u64, u64),
    mut seed: u64,
    bytes: Arc<AtomicU64>,
    deadline: Instant,
    mut hist: Histogram<u64>,
) -> (Histogram<u64>, BTreeMap<String, u64>) {
    let mut errors = BTreeMap::new();
    while Instant::now() < deadline {
        let start = next(&mut seed) % (size - len);
        let t0 = Instant::now();
        let sent = client.get(&url).header("range", format!("bytes={start}-{}", start + len - 1)).send().await;
        match sent {
            Ok(res) if res.status().as_u16() == 206 => match res.bytes().await {
                Ok(body) if body.len() as u64 == len => {
                    bytes.fetch_add(len, Ordering::Relaxed);
                    let micros = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
                    hist.saturating_record(micros.max(1));
                }
                Ok(_) => *errors.entry("short_body".into()).or_default() += 1,
                Err(_) => *errors.entry("body".into()).or_default() += 1,
            },
            Ok(res) => *errors.entry(format!("http_{}", res.status().as_u16())).or_default() += 1,
            Err(e) if e.is_timeout() => *errors.entry("timeout".into()).or_default() += 1,
            Err(e) if e.is_connect() => *errors.entry("connect".into()).or_default() += 1,
            Err(_) => *errors.entry("other".into()).or_default() += 1,
        }
    }
    (hist, errors)
}
