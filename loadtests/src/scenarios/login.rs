//! `login`: N clients, each with its own keep-alive connection, POST `/api/v1/auth/login` back
//! to back as the seeded load users (`load_user_<i>`, the shared load password), users dealt
//! round-robin so no two clients log the same user in at once. Each success is a password
//! verification, a session, a refresh token and an audit row on the hash chain.

use crate::clients::{self, Tally};
use crate::report::{Error, Report};
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
    /// Log in as `load_user_0` .. `load_user_<users - 1>` (`veza admin seed --users N`).
    #[arg(long, default_value_t = 1000)]
    users: u64,
    /// The load users' password.
    #[arg(long, default_value = "load-test-password")]
    password: String,
    /// Concurrent clients, one connection each.
    #[arg(long, short = 'c', default_value_t = 16)]
    clients: usize,
    /// How long to run, in seconds.
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// Write the report as JSON here too.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.clients == 0 || args.users == 0 || args.duration <= 0.0 || !args.duration.is_finite() {
        return Err(Error::Usage("--clients, --users and --duration must be positive".into()));
    }
    let target = format!("{}/api/v1/auth/login", args.url.trim_end_matches('/'));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.min(3600.0));
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    for _ in 0..args.clients {
        let (client, hist) = (clients::http_client(Duration::from_secs(30))?, clients::histogram()?);
        let login =
            Login { target: target.clone(), next: next.clone(), password: args.password.clone(), users: args.users };
        tasks.push(tokio::spawn(login.client_loop(client, deadline, hist)));
    }
    let (hist, errors) = clients::gather(tasks).await?;
    let report = Report::from_histogram("login", &target, args.clients, started.elapsed(), &hist, errors);
    report.print();
    if let Some(path) = args.out {
        report.write_json(&path)?;
    }
    let errors: u64 = report.errors.values().sum();
    crate::report::check_errors(errors, errors + report.ok)
}

/// What every client shares: where to log in, and the next user's number.
struct Login {
    target: String,
    next: Arc<AtomicU64>,
    password: String,
    users: u64,
}

impl Login {
    async fn client_loop(
        self,
        client: reqwest::Client,
        deadline: Instant,
        mut hist: hdrhistogram::Histogram<u64>,
    ) -> Tally {
        let mut errors = BTreeMap::new();
        while Instant::now() < deadline {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.users;
            let body = serde_json::json!({ "login": format!("load_user_{i}"), "password": self.password });
            let t0 = Instant::now();
            match client.post(&self.target).json(&body).send().await {
                Ok(res) if res.status().is_success() => {
                    let _ = res.bytes().await;
                    clients::record(&mut hist, t0);
                }
                Ok(res) => *errors.entry(format!("http_{}", res.status().as_u16())).or_default() += 1,
                Err(e) => clients::count_error(&mut errors, &e),
            }
        }
        (hist, errors)
    }
}
