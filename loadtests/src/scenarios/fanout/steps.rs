//! Counters shared by all members, per step and room; each step's report and the summary.

use crate::report::{Error, Latency};
use crate::wire::Protocol;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct StepCounters {
    sent: Vec<AtomicU64>,
    acked: Vec<AtomicU64>,
    delivered: AtomicU64,
    hist: Mutex<Option<Histogram<u64>>>,
    collected: AtomicUsize,
}

pub struct Shared {
    pub steps: Vec<StepCounters>,
    /// Measured members per room.
    recorders: Vec<AtomicU64>,
    pub connect_errors: AtomicU64,
    pub closed_early: AtomicU64,
    error_frames: Mutex<BTreeMap<String, u64>>,
}

fn sum(v: &[AtomicU64]) -> u64 {
    v.iter().map(|a| a.load(Ordering::Relaxed)).sum()
}

impl Shared {
    pub fn new(steps: usize, rooms: usize) -> Self {
        let zeros = || (0..rooms).map(|_| AtomicU64::new(0)).collect::<Vec<_>>();
        Shared {
            steps: (0..steps)
                .map(|_| StepCounters {
                    sent: zeros(),
                    acked: zeros(),
                    delivered: AtomicU64::new(0),
                    hist: Mutex::new(None),
                    collected: AtomicUsize::new(0),
                })
                .collect(),
            recorders: zeros(),
            connect_errors: AtomicU64::new(0),
            closed_early: AtomicU64::new(0),
            error_frames: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn add_recorder(&self, room: usize) {
        if let Some(r) = self.recorders.get(room) {
            r.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn sent(&self, step: usize, room: usize) {
        if let Some(c) = self.steps.get(step).and_then(|s| s.sent.get(room)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn acked(&self, step: usize, room: usize) {
        if let Some(c) = self.steps.get(step).and_then(|s| s.acked.get(room)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn delivered(&self, step: usize) {
        if let Some(s) = self.steps.get(step) {
            s.delivered.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn error_frame(&self, code: &str) {
        if let Ok(mut m) = self.error_frames.lock() {
            *m.entry(code.to_owned()).or_default() += 1;
        }
    }

    /// A member's histogram of step `k`.
    pub fn collect(&self, k: usize, h: &Histogram<u64>) {
        let Some(step) = self.steps.get(k) else { return };
        if let Ok(mut slot) = step.hist.lock() {
            match slot.as_mut() {
                Some(total) => {
                    let _ = total.add(h);
                }
                None => *slot = Some(h.clone()),
            }
        }
        step.collected.fetch_add(1, Ordering::Relaxed);
    }

    /// Until deliveries of step `k` stop moving for `quiet` (or `max` passes).
    pub async fn wait_quiet(&self, k: usize, quiet: Duration, max: Duration) {
        let Some(step) = self.steps.get(k) else { return };
        let start = Instant::now();
        let (mut last, mut since) = (step.delivered.load(Ordering::Relaxed), Instant::now());
        while start.elapsed() < max {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = step.delivered.load(Ordering::Relaxed);
            if now != last {
                (last, since) = (now, Instant::now());
            } else if since.elapsed() >= quiet {
                return;
            }
        }
    }

    pub async fn wait_collected(&self, k: usize, members: usize, max: Duration) {
        let Some(step) = self.steps.get(k) else { return };
        let start = Instant::now();
        while step.collected.load(Ordering::Relaxed) < members && start.elapsed() < max {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn live_line(&self, k: usize, rate: f64, elapsed: Duration) -> String {
        let Some(s) = self.steps.get(k) else { return String::new() };
        format!(
            "step {} at {rate} msg/s, {:.0} s: sent {} acked {} delivered {} errors {}",
            k + 1,
            elapsed.as_secs_f64(),
            sum(&s.sent),
            sum(&s.acked),
            s.delivered.load(Ordering::Relaxed),
            self.errors()
        )
    }

    fn errors(&self) -> u64 {
        let frames: u64 = self.error_frames.lock().map(|m| m.values().sum()).unwrap_or(0);
        self.connect_errors.load(Ordering::Relaxed) + self.closed_early.load(Ordering::Relaxed) + frames
    }

    /// Expected deliveries: each acked (Veza) or sent (peers) message times its room's
    /// measured members.
    pub fn step_report(&self, k: usize, rate: f64, window: Duration, acks: bool, burst: bool) -> StepReport {
        let empty = || Histogram::<u64>::new(3).ok();
        let Some(s) = self.steps.get(k) else { return StepReport::default() };
        let hist = s.hist.lock().ok().and_then(|h| h.clone()).or_else(empty);
        let counted = if acks { &s.acked } else { &s.sent };
        let expected: u64 = counted
            .iter()
            .zip(&self.recorders)
            .map(|(c, r)| c.load(Ordering::Relaxed) * r.load(Ordering::Relaxed))
            .sum();
        let delivered = s.delivered.load(Ordering::Relaxed);
        let secs = window.as_secs_f64();
        let acked = sum(&s.acked);
        StepReport {
            rate: if burst { None } else { Some(rate) },
            seconds: secs,
            sent: sum(&s.sent),
            acked: acks.then_some(acked),
            acked_per_s: acks.then(|| acked as f64 / secs),
            delivered,
            expected,
            lost: expected.saturating_sub(delivered),
            deliveries_per_s: delivered as f64 / secs,
            latency: hist.as_ref().map(Latency::of).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct StepReport {
    /// Messages per second asked of all senders (`None`: unthrottled).
    pub rate: Option<f64>,
    pub seconds: f64,
    pub sent: u64,
    pub acked: Option<u64>,
    pub acked_per_s: Option<f64>,
    pub delivered: u64,
    pub expected: u64,
    pub lost: u64,
    pub deliveries_per_s: f64,
    pub latency: Latency,
}

impl StepReport {
    pub fn line(&self) -> String {
        let rate = self.rate.map_or("unthrottled".to_owned(), |r| format!("{r} msg/s"));
        let acked = self.acked_per_s.map_or(String::new(), |a| format!(", {a:.0} acked/s"));
        let l = &self.latency;
        format!(
            "{rate:>14}: {:.0} deliveries/s{acked}, delivered {} of {} (lost {}), p50 {:.1} ms p95 {:.1} ms p99 {:.1} ms max {:.1} ms",
            self.deliveries_per_s, self.delivered, self.expected, self.lost, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
        )
    }
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub target: String,
    pub protocol: String,
    pub members: usize,
    pub rooms: usize,
    pub connect_seconds: f64,
    pub errors: BTreeMap<String, u64>,
    pub steps: Vec<StepReport>,
    /// Index of the step with the most deliveries/s within the p99 limit and without loss.
    pub best_step: Option<usize>,
    attempts: u64,
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: &str,
        target: &str,
        protocol: Protocol,
        members: usize,
        rooms: usize,
        connect_seconds: f64,
        failed: usize,
        shared: &Shared,
        steps: Vec<StepReport>,
        p99_limit: Option<f64>,
    ) -> Self {
        let mut errors: BTreeMap<String, u64> = shared.error_frames.lock().map(|m| m.clone()).unwrap_or_default();
        errors.insert("connect".into(), failed as u64);
        errors.insert("closed_early".into(), shared.closed_early.load(Ordering::Relaxed));
        let unacked: u64 = steps.iter().filter_map(|s| s.acked.map(|a| s.sent.saturating_sub(a))).sum();
        errors.insert("unacked".into(), unacked);
        let attempts = members as u64 + steps.iter().map(|s| s.sent).sum::<u64>();
        let within = |s: &StepReport| s.lost == 0 && p99_limit.is_none_or(|l| s.latency.p99_ms <= l);
        let best_step = steps
            .iter()
            .enumerate()
            .filter(|(_, s)| within(s))
            .max_by(|a, b| a.1.deliveries_per_s.total_cmp(&b.1.deliveries_per_s))
            .map(|(i, _)| i);
        Summary {
            scenario: scenario.to_owned(),
            target: target.to_owned(),
            protocol: format!("{protocol:?}").to_lowercase(),
            members,
            rooms,
            connect_seconds,
            errors,
            steps,
            best_step,
            attempts,
        }
    }

    pub fn print(&self) {
        println!(
            "scenario    {} ({}), {} members in {} room(s)",
            self.scenario, self.protocol, self.members, self.rooms
        );
        println!("target      {}", self.target);
        for s in &self.steps {
            println!("  {}", s.line());
        }
        match self.best_step.and_then(|i| self.steps.get(i)) {
            Some(b) => println!("best        {:.0} deliveries/s ({})", b.deliveries_per_s, b.line().trim()),
            None => println!("best        no step within the limit without loss"),
        }
        println!("errors      {:?}", self.errors);
    }

    pub fn write_json(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Setup(e.to_string()))?;
        std::fs::write(path, text)?;
        Ok(())
    }

    /// Fails loudly past 0.1% errors (connections refused or dropped, error frames, sends
    /// never acked), counted against connections plus messages sent.
    pub fn check_errors(&self) -> Result<(), Error> {
        crate::report::check_errors(self.errors.values().sum(), self.attempts)
    }
}
