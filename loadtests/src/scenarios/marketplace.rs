//! `marketplace`: N clients, each a load user with a minted token, mixing what a marketplace
//! sees: browse (newest), filter (category + price + condition), full-text search, view one
//! listing, and now and then an offer flow (the buyer offers, the seller counters, the buyer
//! declines: three POSTs that leave the listing as it was). Latency per endpoint.

use crate::report::{Error, MixedReport};
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use veza_core::rng::SeededRng;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL of the node (or load balancer).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// JSON lines {id, username, token} from `veza admin mint-tokens` (the sellers of `seed-market`).
    #[arg(long)]
    tokens: PathBuf,
    /// Concurrent clients, one connection each.
    #[arg(long, short = 'c', default_value_t = 32)]
    clients: usize,
    /// How long to run, in seconds.
    #[arg(long, short = 'd', default_value_t = 20.0)]
    duration: f64,
    /// Percent of iterations that run an offer flow (3 POSTs) instead of a read.
    #[arg(long, default_value_t = 10)]
    offer_percent: u32,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Deserialize, Clone)]
struct Minted {
    id: String,
    token: String,
}

/// A listing the flows can use: its id, seller, price.
#[derive(Clone)]
struct Target {
    id: String,
    seller: String,
    amount: i64,
    currency: String,
}

const WORDS: &[&str] = &[
    "fender",
    "gibson",
    "yamaha",
    "roland",
    "korg",
    "moog",
    "vintage",
    "analog",
    "guitar",
    "synthesizer",
    "pedal",
    "microphone",
    "studio",
    "boutique",
    "tube amp",
    "drum kit",
    "-digital vintage",
];
const CONDITIONS: &[&str] = &["new", "like_new", "used", "for_parts"];

struct Shared {
    base: String,
    tokens: Vec<Minted>,
    by_id: HashMap<String, String>,
    categories: Vec<String>,
    targets: Vec<Target>,
}

fn client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(2)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::Setup(e.to_string()))
}

fn slugs(nodes: &Value, out: &mut Vec<String>) {
    for n in nodes.as_array().into_iter().flatten() {
        if let Some(s) = n["slug"].as_str() {
            out.push(s.to_owned());
        }
        slugs(&n["children"], out);
    }
}

async fn setup(args: &Args) -> Result<Shared, Error> {
    let text = std::fs::read_to_string(&args.tokens)?;
    let tokens: Vec<Minted> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    if tokens.len() < 2 {
        return Err(Error::Usage("need at least two tokens (buyers and sellers)".into()));
    }
    let by_id = tokens.iter().map(|m| (m.id.clone(), m.token.clone())).collect();
    let base = args.url.trim_end_matches('/').to_owned();
    let http = client()?;
    let get = |path: String| {
        let http = http.clone();
        async move {
            let res = http.get(path).send().await.map_err(|e| Error::Setup(e.to_string()))?;
            res.json::<Value>().await.map_err(|e| Error::Setup(e.to_string()))
        }
    };
    let mut categories = Vec::new();
    slugs(&get(format!("{base}/api/v1/categories")).await?, &mut categories);
    // Listings for views and offers: a few pages of the newest active ones.
    let mut targets = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut url = format!("{base}/api/v1/listings?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = get(url).await?;
        for item in page["items"].as_array().into_iter().flatten() {
            let (Some(id), Some(seller)) = (item["id"].as_str(), item["seller"]["id"].as_str()) else { continue };
            targets.push(Target {
                id: id.to_owned(),
                seller: seller.to_owned(),
                amount: item["price"]["amount"].as_i64().unwrap_or(1000),
                currency: item["price"]["currency"].as_str().unwrap_or("EUR").to_owned(),
            });
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    if targets.is_empty() || categories.is_empty() {
        return Err(Error::Setup("no listings or categories: run `veza admin seed-market` first".into()));
    }
    Ok(Shared { base, tokens, by_id, categories, targets })
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.clients == 0 || args.duration <= 0.0 || !args.duration.is_finite() || args.offer_percent > 100 {
        return Err(Error::Usage("--clients and --duration must be positive, --offer-percent at most 100".into()));
    }
    let shared = Arc::new(setup(&args).await?);
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.min(3600.0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    for i in 0..args.clients {
        let (shared, http, offer_percent) = (shared.clone(), client()?, args.offer_percent);
        tasks.push(tokio::spawn(async move { client_loop(i, http, shared, deadline, offer_percent).await }));
    }
    let mut hists: BTreeMap<String, Histogram<u64>> = BTreeMap::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for task in tasks {
        let (h, errs) = task.await.map_err(|e| Error::Setup(e.to_string()))?;
        for (k, v) in h {
            match hists.get_mut(&k) {
                Some(total) => total.add(&v).map_err(|e| Error::Setup(e.to_string()))?,
                None => {
                    hists.insert(k, v);
                }
            }
        }
        for (k, v) in errs {
            *errors.entry(k).or_default() += v;
        }
    }
    let report = MixedReport::new("marketplace", &shared.base, args.clients, started.elapsed(), &hists, errors);
    report.print();
    if let Some(path) = args.out {
        report.write_json(&path)?;
    }
    let errors: u64 = report.errors.values().sum();
    crate::report::check_errors(errors, errors + report.ok)
}

type Hists = BTreeMap<String, Histogram<u64>>;

struct Recorder {
    hists: Hists,
    errors: BTreeMap<String, u64>,
}

impl Recorder {
    /// Sends, times and records one request under `endpoint`; the JSON body when it succeeded.
    async fn call(&mut self, endpoint: &str, req: reqwest::RequestBuilder) -> Option<Value> {
        let t0 = Instant::now();
        let res = req.send().await;
        let outcome = match res {
            Ok(res) if res.status().is_success() => res.json::<Value>().await.map_err(|_| "body".to_owned()),
            Ok(res) => Err(format!("{endpoint}: http_{}", res.status().as_u16())),
            Err(e) if e.is_timeout() => Err(format!("{endpoint}: timeout")),
            Err(_) => Err(format!("{endpoint}: other")),
        };
        match outcome {
            Ok(v) => {
                let micros = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX).max(1);
                if let Some(h) = self.hists.get_mut(endpoint) {
                    h.saturating_record(micros);
                } else if let Ok(mut h) = Histogram::new_with_bounds(1, 60_000_000, 3) {
                    h.saturating_record(micros);
                    self.hists.insert(endpoint.to_owned(), h);
                }
                Some(v)
            }
            Err(e) => {
                *self.errors.entry(e).or_default() += 1;
                None
            }
        }
    }
}

async fn client_loop(
    i: usize,
    http: reqwest::Client,
    s: Arc<Shared>,
    deadline: Instant,
    offer_percent: u32,
) -> (Hists, BTreeMap<String, u64>) {
    let mut rng = SeededRng::for_worker(0x9e37_79b9_7f4a_7c15, i);
    let mut r = Recorder { hists: BTreeMap::new(), errors: BTreeMap::new() };
    let me = &s.tokens[i % s.tokens.len()];
    let base = &s.base;
    while Instant::now() < deadline {
        let roll = rng.below(100) as u32;
        if roll < offer_percent {
            let t = &s.targets[rng.below(s.targets.len())];
            let Some(seller_token) = s.by_id.get(&t.seller) else { continue };
            if t.seller == me.id {
                continue;
            }
            let money = |pct: i64| json!({ "amount": (t.amount * pct / 100).max(1), "currency": t.currency });
            let req = http.post(format!("{base}/api/v1/listings/{}/offers", t.id)).bearer_auth(&me.token);
            let Some(offer) = r.call("offer.create", req.json(&json!({ "amount": money(90) }))).await else { continue };
            let Some(id) = offer["id"].as_str() else { continue };
            let req = http.post(format!("{base}/api/v1/offers/{id}/counter")).bearer_auth(seller_token);
            if r.call("offer.counter", req.json(&json!({ "amount": money(95) }))).await.is_none() {
                continue;
            }
            let req = http.post(format!("{base}/api/v1/offers/{id}/decline")).bearer_auth(&me.token);
            r.call("offer.decline", req.json(&json!({}))).await;
            continue;
        }
        match roll % 4 {
            0 => {
                r.call("browse", http.get(format!("{base}/api/v1/listings?limit=20"))).await;
            }
            1 => {
                let cat = &s.categories[rng.below(s.categories.len())];
                let min = rng.below(2_000) * 100;
                let cond = CONDITIONS[rng.below(CONDITIONS.len())];
                let url = format!(
                    "{base}/api/v1/listings?category={cat}&min_price={min}&max_price={}&condition={cond}",
                    min + 200_000
                );
                r.call("filter", http.get(url)).await;
            }
            2 => {
                let q = WORDS[rng.below(WORDS.len())];
                // The words are ASCII letters, spaces and `-`: only the space needs escaping.
                let q = q.replace(' ', "%20");
                r.call("search", http.get(format!("{base}/api/v1/listings?q={q}"))).await;
            }
            _ => {
                let t = &s.targets[rng.below(s.targets.len())];
                r.call("view", http.get(format!("{base}/api/v1/listings/{}", t.id))).await;
            }
        }
    }
    (r.hists, r.errors)
}
