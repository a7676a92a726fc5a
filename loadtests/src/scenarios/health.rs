//! `health`: N clients, each with its own keep-alive connection, request `GET /health` back to
//! back until the duration or the request budget runs out.

use crate::clients;
use crate::report::{Error, Report};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL of the node (or load balancer).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Concurrent clients, one connection each.
    #[arg(long, short = 'c', default_value_t = 32)]
    clients: usize,
    /// How long to run, in seconds.
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// Stop after this many requests in total, whatever the duration.
    #[arg(long, default_value_t = 10_000_000)]
    max_requests: u64,
    /// Write the report as JSON here too.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.clients == 0 || args.duration <= 0.0 || !args.duration.is_finite() {
        return Err(Error::Usage("--clients and --duration must be positive".into()));
    }
    let target = format!("{}/health", args.url.trim_end_matches('/'));
    let budget = Arc::new(AtomicU64::new(args.max_requests));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.min(3600.0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    for _ in 0..args.clients {
        let client = clients::http_client(Duration::from_secs(10))?;
        let (target, budget, hist) = (target.clone(), budget.clone(), clients::histogram()?);
        tasks.push(tokio::spawn(async move { client_loop(client, target, budget, deadline, hist).await }));
    }
    let (hist, errors) = clients::gather(tasks).await?;
    let report = Report::from_histogram("health", &target, args.clients, started.elapsed(), &hist, errors);
    report.print();
    if let Some(path) = args.out {
        report.write_json(&path)?;
    }
    let errors: u64 = report.errors.values().sum();
    crate::report::check_errors(errors, errors + report.ok)
}

async fn client_loop(
    client: reqwest::Client,
    target: String,
    budget: Arc<AtomicU64>,
    deadline: Instant,
    mut hist: Histogram<u64>,
) -> (Histogram<u64>, BTreeMap<String, u64>) {
    let mut errors = BTreeMap::new();
    while Instant::now() < deadline && take_one(&budget) {
        let t0 = Instant::now();
        match client.get(&target).send().await {
            Ok(res) if res.status().is_success() => {
                // Read the body so the connection is reused.
                let _ = res.bytes().await;
                clients::record(&mut hist, t0);
            }
            Ok(res) => *errors.entry(format!("http_{}", res.status().as_u16())).or_default() += 1,
            Err(e) => clients::count_error(&mut errors, &e),
        }
    }
    (hist, errors)
}

/// Takes one request from the shared budget; false when it is spent.
fn take_one(budget: &AtomicU64) -> bool {
    budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
}
