//! One member: connects, joins, then in one loop reads frames, answers pings, and (a sender)
//! sends at its step's interval or, with a window, as fast as acks allow.

use super::steps::Shared;
use crate::net::{Sources, websocket};
use crate::wire::{Incoming, Wire, now_micros};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    Sending(usize),
    /// Senders stop; the tail arrives.
    Draining(usize),
    /// Members hand in their histograms of step k.
    Collect(usize),
    Done,
}

pub struct Sending {
    /// Per step: time between two sends of this sender.
    pub intervals: Vec<Duration>,
    pub window: Option<usize>,
    pub run_id: u32,
}

pub struct Member {
    pub index: usize,
    pub url: String,
    pub wire: Wire,
    pub room: String,
    pub room_index: usize,
    pub sender: Option<Sending>,
    pub records: bool,
    pub start_after: Duration,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl Member {
    pub async fn run(
        self,
        shared: Arc<Shared>,
        sources: Arc<Sources>,
        mut phase: watch::Receiver<Phase>,
        ready: mpsc::Sender<bool>,
    ) {
        tokio::time::sleep(self.start_after).await;
        let joined = tokio::time::timeout(CONNECT_TIMEOUT, self.connect(&sources)).await;
        let (mut sink, mut stream) = match joined {
            Ok(Ok(ws)) => ws.split(),
            _ => {
                shared.connect_errors.fetch_add(1, Ordering::Relaxed);
                let _ = ready.send(false).await;
                return;
            }
        };
        let _ = ready.send(true).await;
        drop(ready);
        let steps = shared.steps.len();
        let mut hists: Vec<Histogram<u64>> =
            (0..steps).filter_map(|_| Histogram::new_with_bounds(1, 120_000_000, 3).ok()).collect();
        let mut current = *phase.borrow();
        let mut next_send = Instant::now();
        let mut in_flight = 0usize;
        let mut n = 0u64;
        let mut quiet_since_done: Option<Instant> = None;
        loop {
            let sending = match (current, &self.sender) {
                (Phase::Sending(k), Some(s)) => match s.window {
                    Some(w) => (in_flight < w).then_some(k),
                    None => Some(k),
                },
                _ => None,
            };
            let wake = match (sending, &self.sender) {
                (Some(_), Some(s)) if s.window.is_some() => Instant::now(),
                (Some(_), Some(_)) => next_send,
                _ => Instant::now() + Duration::from_millis(500),
            };
            tokio::select! {
                biased;
                changed = phase.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    current = *phase.borrow_and_update();
                    match current {
                        Phase::Sending(_) => next_send = Instant::now(),
                        Phase::Collect(k) => {
                            if let Some(h) = hists.get(k) {
                                shared.collect(k, h);
                            }
                        }
                        Phase::Done => quiet_since_done = Some(Instant::now()),
                        _ => {}
                    }
                }
                frame = stream.next() => {
                    let Some(Ok(msg)) = frame else {
                        if !matches!(current, Phase::Done) {
                            shared.closed_early.fetch_add(1, Ordering::Relaxed);
                        }
                        break;
                    };
                    match self.wire.parse(&msg) {
                        Incoming::Message(stamped) => {
                            if let Some((t, s)) = stamped.filter(|_| self.records) {
                                if let Some(h) = hists.get_mut(s) {
                                    h.saturating_record(now_micros().saturating_sub(t).max(1));
                                }
                                shared.delivered(s);
                            }
                        }
                        Incoming::Ack(step) => {
                            in_flight = in_flight.saturating_sub(1);
                            if let Some(s) = step {
                                shared.acked(s, self.room_index);
                            }
                        }
                        Incoming::Reply(m) => {
                            if sink.send(m).await.is_err() {
                                break;
                            }
                        }
                        Incoming::Error(code) => {
                            in_flight = in_flight.saturating_sub(1);
                            shared.error_frame(&code);
                        }
                        Incoming::Ready | Incoming::Other => {}
                    }
                }
                () = sleep_until(wake) => {
                    if let (Some(k), Some(s)) = (sending, &self.sender) {
                        let body = format!("t={} s={k} n={n} {}", now_micros(), "·".repeat(32));
                        // Unique per run; the step rides along for the ack.
                        let client_id = format!("{}.{k}.{}.{n}", s.run_id, self.index);
                        if sink.send(self.wire.send(&self.room, &body, &client_id)).await.is_err() {
                            shared.closed_early.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        shared.sent(k, self.room_index);
                        n += 1;
                        in_flight += 1;
                        next_send += s.intervals.get(k).copied().unwrap_or(Duration::from_secs(1));
                        // Behind schedule (a slow moment): catch up without a burst.
                        if next_send < Instant::now() - Duration::from_millis(100) {
                            next_send = Instant::now();
                        }
                    } else if quiet_since_done.is_some_and(|t| t.elapsed() > Duration::from_millis(200)) {
                        break;
                    }
                }
            }
        }
        let _ = sink.close().await;
    }

    /// Connects and waits until the protocol says the member is in its room.
    async fn connect(&self, sources: &Sources) -> Result<crate::net::Ws, String> {
        let mut ws = websocket(sources, &self.url, self.wire.subprotocol()).await?;
        if let Some(hello) = self.wire.hello(&self.room, None) {
            ws.send(hello).await.map_err(|e| e.to_string())?;
        }
        if self.wire.ready_at_once() {
            return Ok(ws);
        }
        while let Some(frame) = ws.next().await {
            let msg = frame.map_err(|e| e.to_string())?;
            match self.wire.parse(&msg) {
                Incoming::Ready => return Ok(ws),
                Incoming::Reply(m) => ws.send(m).await.map_err(|e| e.to_string())?,
                Incoming::Error(code) => return Err(code),
                _ => {}
            }
        }
        Err("closed before joining".into())
    }
}
