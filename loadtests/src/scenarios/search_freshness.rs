//! `search-freshness`: listings written to one node at a steady rate, each looked for on another
//! node's search until it shows; the lag from the write's answer to the first search that finds
//! it, as percentiles. Each listing's title carries a made-up word, and a search counts as
//! finding it only when the listing's own id is in the results. The probes ask for the word
//! exactly (`"word"`: no typo expansion) and only every `--probe-every`th listing is probed, every
//! 50 ms, so the probing does not load the node it measures more than the writes do.

use crate::inputs;
use crate::report::{Error, Latency};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use veza_core::rng::SeededRng;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The node the listings are written to.
    #[arg(long)]
    write_url: String,
    /// The node whose search is probed.
    #[arg(long)]
    read_url: String,
    /// JSON lines {id, username, token} from `veza admin mint-tokens`: the sellers.
    #[arg(long)]
    tokens: PathBuf,
    /// A category id for the listings.
    #[arg(long)]
    category: String,
    /// Listings written per second, in all.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    #[arg(long, short = 'd', default_value_t = 20.0)]
    duration: f64,
    /// Give up on a listing after this many seconds (counted as not found).
    #[arg(long, default_value_t = 10.0)]
    give_up: f64,
    /// Probe one listing in this many.
    #[arg(long, default_value_t = 10)]
    probe_every: usize,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Report {
    scenario: &'static str,
    rate_per_s: u32,
    seconds: f64,
    written: u64,
    write_errors: u64,
    probed_one_in: usize,
    found: u64,
    not_found: u64,
    /// From the write's answer to the first search on the other node that lists it.
    lag: Latency,
}

/// A word no vocabulary holds: 12 random letters.
fn word(rng: &mut SeededRng) -> String {
    (0..12).map(|_| char::from(b'a' + rng.below(26) as u8)).collect()
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.rate == 0 || args.duration <= 0.0 || !args.duration.is_finite() {
        return Err(Error::Usage("--rate and --duration must be positive".into()));
    }
    let tokens = Arc::new(inputs::tokens(&args.tokens)?);
    let client =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| Error::Setup(e.to_string()))?;
    let lags = Arc::new(std::sync::Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| Error::Setup(e.to_string()))?,
    ));
    let (written, write_errors, found, not_found) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let every = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(args.duration.min(3600.0));
    let give_up = Duration::from_secs_f64(args.give_up.max(0.1));
    let mut rng = SeededRng::new(0xf2e5_4e55);
    let mut probes = Vec::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n = 0usize;
    while Instant::now() < end {
        tick.tick().await;
        let w = word(&mut rng);
        let token = tokens[n % tokens.len()].clone();
        let probe = n.is_multiple_of(args.probe_every.max(1));
        n += 1;
        let (client, args_w, args_r, category) =
            (client.clone(), args.write_url.clone(), args.read_url.clone(), args.category.clone());
        let (lags, written, write_errors, found, not_found) =
            (lags.clone(), written.clone(), write_errors.clone(), found.clone(), not_found.clone());
        probes.push(tokio::spawn(async move {
            let body = json!({
                "title": format!("Freshness probe {w}"), "description": "", "tags": [], "condition": "used",
                "price": { "amount": 1000, "currency": "EUR" }, "category_id": category, "publish": true,
            });
            let res = client.post(format!("{args_w}/api/v1/listings")).bearer_auth(&token).json(&body).send().await;
            let id = match res {
                Ok(r) if r.status().as_u16() == 201 => {
                    r.json::<Value>().await.ok().and_then(|v| v["id"].as_str().map(str::to_owned))
                }
                _ => None,
            };
            let Some(id) = id else {
                write_errors.fetch_add(1, Ordering::Relaxed);
                return;
            };
            written.fetch_add(1, Ordering::Relaxed);
            if !probe {
                return;
            }
            let since = Instant::now();
            let url = format!("{args_r}/api/v1/search?q=%22{w}%22&types=listing&limit=50");
            while since.elapsed() < give_up {
                if let Ok(r) = client.get(&url).send().await
                    && let Ok(v) = r.json::<Value>().await
                    && v["results"]["listings"].as_array().is_some_and(|a| a.iter().any(|l| l["id"] == id.as_str()))
                {
                    let micros = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX).max(1);
                    if let Ok(mut h) = lags.lock() {
                        let _ = h.record(micros);
                    }
                    found.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            not_found.fetch_add(1, Ordering::Relaxed);
        }));
    }
    for p in probes {
        let _ = p.await;
    }
    let lag = lags.lock().map(|h| Latency::of(&h)).map_err(|_| Error::Failed("lag histogram".into()))?;
    let report = Report {
        scenario: "search-freshness",
        rate_per_s: args.rate,
        seconds: args.duration,
        written: written.load(Ordering::Relaxed),
        write_errors: write_errors.load(Ordering::Relaxed),
        probed_one_in: args.probe_every.max(1),
        found: found.load(Ordering::Relaxed),
        not_found: not_found.load(Ordering::Relaxed),
        lag,
    };
    let text = serde_json::to_string_pretty(&report).map_err(|e| Error::Setup(e.to_string()))?;
    println!("{text}");
    if let Some(p) = &args.out {
        std::fs::write(p, text)?;
    }
    Ok(())
}
