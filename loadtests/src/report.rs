//! Results: a table on stdout and, on request, the same as JSON.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("setup: {0}")]
    Setup(String),
    #[error("cannot write the report: {0}")]
    Write(#[from] std::io::Error),
    #[error("{0}")]
    Failed(String),
    #[error("{errors} errors in {attempts} attempts: more than 0.1%")]
    TooManyErrors { errors: u64, attempts: u64 },
}

/// Fails loudly past 0.1% errors out of `attempts` (connections, requests, messages): a run
/// that measured failures is not a measurement.
pub fn check_errors(errors: u64, attempts: u64) -> Result<(), Error> {
    if errors as f64 > attempts as f64 * 0.001 {
        return Err(Error::TooManyErrors { errors, attempts });
    }
    Ok(())
}

/// Latencies in milliseconds.
#[derive(Debug, Default, Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Latency {
    /// From a histogram of microseconds.
    pub fn of(hist: &Histogram<u64>) -> Latency {
        let ms = |micros: u64| micros as f64 / 1000.0;
        Latency {
            p50_ms: ms(hist.value_at_quantile(0.50)),
            p95_ms: ms(hist.value_at_quantile(0.95)),
            p99_ms: ms(hist.value_at_quantile(0.99)),
            max_ms: ms(hist.max()),
            mean_ms: hist.mean() / 1000.0,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub target: String,
    pub clients: usize,
    pub seconds: f64,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub throughput_per_s: f64,
    pub latency: Latency,
}

impl Report {
    pub fn from_histogram(
        scenario: &str,
        target: &str,
        clients: usize,
        elapsed: Duration,
        hist: &Histogram<u64>,
        errors: BTreeMap<String, u64>,
    ) -> Report {
        let seconds = elapsed.as_secs_f64();
        Report {
            scenario: scenario.to_owned(),
            target: target.to_owned(),
            clients,
            seconds,
            ok: hist.len(),
            errors,
            throughput_per_s: if seconds > 0.0 { hist.len() as f64 / seconds } else { 0.0 },
            latency: Latency::of(hist),
        }
    }

    pub fn print(&self) {
        let errors: u64 = self.errors.values().sum();
        println!("scenario    {}  ({} clients, {:.1} s)", self.scenario, self.clients, self.seconds);
        println!("target      {}", self.target);
        println!("ok          {}   errors {}  {:?}", self.ok, errors, self.errors);
        println!("throughput  {:.0} req/s", self.throughput_per_s);
        let l = &self.latency;
        println!(
            "latency     p50 {:.3} ms   p95 {:.3} ms   p99 {:.3} ms   max {:.3} ms   mean {:.3} ms",
            l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.mean_ms
        );
    }

    pub fn write_json(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Setup(e.to_string()))?;
        std::fs::write(path, text)?;
        Ok(())
    }
}

/// One endpoint's share of a mixed scenario.
#[derive(Debug, Serialize)]
pub struct EndpointStats {
    pub ok: u64,
    pub throughput_per_s: f64,
    pub latency: Latency,
}

/// A mixed scenario: totals, then every endpoint on its own.
#[derive(Debug, Serialize)]
pub struct MixedReport {
    pub scenario: String,
    pub target: String,
    pub clients: usize,
    pub seconds: f64,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub throughput_per_s: f64,
    pub endpoints: BTreeMap<String, EndpointStats>,
}

impl MixedReport {
    pub fn new(
        scenario: &str,
        target: &str,
        clients: usize,
        elapsed: Duration,
        hists: &BTreeMap<String, Histogram<u64>>,
        errors: BTreeMap<String, u64>,
    ) -> MixedReport {
        let seconds = elapsed.as_secs_f64();
        let rate = |n: u64| if seconds > 0.0 { n as f64 / seconds } else { 0.0 };
        let endpoints: BTreeMap<String, EndpointStats> = hists
            .iter()
            .map(|(k, h)| {
                (k.clone(), EndpointStats { ok: h.len(), throughput_per_s: rate(h.len()), latency: Latency::of(h) })
            })
            .collect();
        let ok = endpoints.values().map(|e| e.ok).sum();
        MixedReport {
            scenario: scenario.to_owned(),
            target: target.to_owned(),
            clients,
            seconds,
            ok,
            errors,
            throughput_per_s: rate(ok),
            endpoints,
        }
    }

    pub fn print(&self) {
        let errors: u64 = self.errors.values().sum();
        println!("scenario    {}  ({} clients, {:.1} s)", self.scenario, self.clients, self.seconds);
        println!("target      {}", self.target);
        println!("ok          {}   errors {}  {:?}", self.ok, errors, self.errors);
        println!("throughput  {:.0} req/s", self.throughput_per_s);
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "endpoint", "ok", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
        );
        for (name, e) in &self.endpoints {
            let l = &e.latency;
            println!(
                "{name:<16} {:>9} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>9.1}",
                e.ok, e.throughput_per_s, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
            );
        }
    }

    pub fn write_json(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Setup(e.to_string()))?;
        std::fs::write(path, text)?;
        Ok(())
    }
}
