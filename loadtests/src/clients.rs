//! What the closed-loop HTTP scenarios share: one keep-alive client per simulated user, the
//! latency histogram each fills, and the adding up of their results.

use crate::report::Error;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// One client's latencies and errors by kind.
pub type Tally = (Histogram<u64>, BTreeMap<String, u64>);

/// A client with one keep-alive connection, no proxy from the environment.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(1)
        .timeout(timeout)
        .build()
        .map_err(|e| Error::Setup(e.to_string()))
}

/// 1 µs .. 60 s at 3 significant digits.
pub fn histogram() -> Result<Histogram<u64>, Error> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| Error::Setup(e.to_string()))
}

/// Records the time since `t0`.
pub fn record(hist: &mut Histogram<u64>, t0: Instant) {
    let micros = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
    hist.saturating_record(micros.max(1));
}

/// Counts a failed request by its kind.
pub fn count_error(errors: &mut BTreeMap<String, u64>, e: &reqwest::Error) {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "other"
    };
    *errors.entry(kind.into()).or_default() += 1;
}

/// Waits for every client and adds their tallies up.
pub async fn gather(tasks: Vec<JoinHandle<Tally>>) -> Result<Tally, Error> {
    let mut hist = histogram()?;
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for task in tasks {
        let (h, errs) = task.await.map_err(|e| Error::Setup(e.to_string()))?;
        hist.add(&h).map_err(|e| Error::Setup(e.to_string()))?;
        for (k, v) in errs {
            *errors.entry(k).or_default() += v;
        }
    }
    Ok((hist, errors))
}
