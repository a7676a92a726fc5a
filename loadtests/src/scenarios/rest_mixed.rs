//! `rest-mixed`: N keep-alive clients cycling through GET paths (`--get`, repeatable; `{id}` is
//! replaced by ids from `--ids`, one per line, dealt to the clients in turn, no two requests sharing one until the list wraps), latency per path. With one
//! path it is a plain single-endpoint benchmark; `make bench` compares it with pgbench running
//! the same SELECT and with the bare peer's hello-world `/health`.

use crate::progress::Progress;
use crate::report::{Error, MixedReport};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL of the node (or load balancer, or a peer).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A path to GET (repeat for a mix); `{id}` takes the next id from `--ids`.
    #[arg(long = "get", required = true)]
    paths: Vec<String>,
    /// Ids for `{id}`, one per line.
    #[arg(long)]
    ids: Option<PathBuf>,
    /// Concurrent clients, one keep-alive connection each.
    #[arg(long, short = 'c', default_value_t = 32)]
    clients: usize,
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// A bearer token for every request.
    #[arg(long)]
    token: Option<String>,
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.clients == 0 || args.duration <= 0.0 || !args.duration.is_finite() {
        return Err(Error::Usage("--clients and --duration must be positive".into()));
    }
    let ids: Arc<Vec<String>> = Arc::new(match &args.ids {
        Some(p) => {
            std::fs::read_to_string(p)?.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
        }
        None => Vec::new(),
    });
    if args.paths.iter().any(|p| p.contains("{id}")) && ids.is_empty() {
        return Err(Error::Usage("a path has {id} but --ids gave none".into()));
    }
    let base = args.url.trim_end_matches('/').to_owned();
    let paths = Arc::new(args.paths.clone());
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.min(3600.0));
    let (errors, done) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let progress = Progress::new();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    let clients = args.clients;
    for c in 0..args.clients {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Setup(e.to_string()))?;
        let (base, paths, ids, errors, done, token) =
            (base.clone(), paths.clone(), ids.clone(), errors.clone(), done.clone(), args.token.clone());
        tasks.push(tokio::spawn(async move {
            let mut hists: BTreeMap<String, Histogram<u64>> = BTreeMap::new();
            let mut n = c;
            // Ids are dealt like cards: client c takes c, c + clients, c + 2 * clients, … so no
            // two requests of a run share an id until the list wraps (each client counting
            // from its own index up by one had them all ask nearly the same ids).
            let mut next_id = c;
            while Instant::now() < deadline {
                let template = &paths[n % paths.len()];
                let path = match ids.get(next_id % ids.len().max(1)) {
                    Some(id) => template.replace("{id}", id),
                    None => template.clone(),
                };
                n += 1;
                if template.contains("{id}") {
                    next_id += clients;
                }
                let mut req = client.get(format!("{base}{path}"));
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                let t0 = Instant::now();
                let ok = match req.send().await {
                    Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    let micros = t0.elapsed().as_micros() as u64;
                    let h = match hists.entry(template.clone()) {
                        Entry::Occupied(e) => e.into_mut(),
                        Entry::Vacant(v) => match Histogram::new_with_bounds(1, 60_000_000, 3) {
                            Ok(h) => v.insert(h),
                            Err(_) => continue,
                        },
                    };
                    h.saturating_record(micros.max(1));
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            hists
        }));
    }
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let secs = started.elapsed().as_secs_f64();
        let ok = done.load(Ordering::Relaxed);
        progress.say(format!("{ok} ok ({:.0}/s), {} errors", ok as f64 / secs, errors.load(Ordering::Relaxed)));
    }
    let mut all: BTreeMap<String, Histogram<u64>> = BTreeMap::new();
    for t in tasks {
        if let Ok(hists) = t.await {
            for (k, h) in hists {
                match all.get_mut(&k) {
                    Some(total) => {
                        let _ = total.add(&h);
                    }
                    None => {
                        all.insert(k, h);
                    }
                }
            }
        }
    }
    progress.finish();
    let elapsed = started.elapsed();
    let failed = errors.load(Ordering::Relaxed);
    let mut errs = BTreeMap::new();
    errs.insert("http".to_owned(), failed);
    let report = MixedReport::new("rest-mixed", &base, args.clients, elapsed, &all, errs);
    report.print();
    if let Some(path) = &args.out {
        report.write_json(path)?;
    }
    crate::report::check_errors(failed, failed + report.ok)
}
