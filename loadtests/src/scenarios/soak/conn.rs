//! One soak connection: connects, joins its room, reads every frame for the whole run and, as a
//! sender, posts a stamped message at its interval. Bodies are `t=<µs> s=<connection> …`, so a
//! member tells its own echo from a delivery and records the latency of the others.

use crate::net::{Sources, websocket};
use crate::wire::{Incoming, Wire, now_micros};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, sleep_until};

/// Counters every connection adds to.
#[derive(Default)]
pub struct Tally {
    pub open: AtomicU64,
    pub connect_failed: AtomicU64,
    pub closed: AtomicU64,
    pub error_frames: AtomicU64,
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub delivered: AtomicU64,
    /// Per room: acked sends, and members that joined.
    pub room_acked: Vec<AtomicU64>,
    pub room_joined: Vec<AtomicU64>,
}

impl Tally {
    pub fn new(rooms: usize) -> Tally {
        Tally {
            room_acked: (0..rooms).map(|_| AtomicU64::new(0)).collect(),
            room_joined: (0..rooms).map(|_| AtomicU64::new(0)).collect(),
            ..Tally::default()
        }
    }

    /// Deliveries owed to members other than the sender: each acked send × (joined − 1).
    pub fn owed(&self) -> u64 {
        self.room_acked
            .iter()
            .zip(&self.room_joined)
            .map(|(a, j)| a.load(Ordering::Relaxed) * j.load(Ordering::Relaxed).saturating_sub(1))
            .sum()
    }
}

/// Where the run is: connections open and join, then senders send, then the tail arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Joining,
    Sending,
    Draining,
    Done,
}

pub struct Conn {
    pub index: usize,
    pub url: String,
    pub wire: Wire,
    pub room: String,
    pub room_index: usize,
    /// A sender's interval between two posts.
    pub send_every: Option<Duration>,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

impl Conn {
    /// Runs until `Done`; hands back its latency histogram (µs) of others' messages.
    pub async fn run(
        self,
        tally: Arc<Tally>,
        sources: Arc<Sources>,
        gate: Arc<Semaphore>,
        mut phase: watch::Receiver<Phase>,
    ) -> Option<Histogram<u64>> {
        let opened = {
            let _permit = gate.acquire().await.ok()?;
            tokio::time::timeout(CONNECT_TIMEOUT, self.join(&sources)).await
        };
        let Ok(Ok(ws)) = opened else {
            tally.connect_failed.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        tally.open.fetch_add(1, Ordering::Relaxed);
        tally.room_joined[self.room_index].fetch_add(1, Ordering::Relaxed);
        let (mut sink, mut stream) = ws.split();
        let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).ok()?;
        let mut current = *phase.borrow();
        // Senders start spread over their interval, not all in the same millisecond.
        let spread = self.send_every.map_or(Duration::ZERO, |e| e.mul_f64((self.index % 97) as f64 / 97.0));
        let mut next_send = Instant::now() + spread;
        let mut n = 0u64;
        loop {
            let wake = match (current, self.send_every) {
                (Phase::Sending, Some(_)) => next_send,
                _ => Instant::now() + Duration::from_secs(1),
            };
            tokio::select! {
                biased;
                changed = phase.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    current = *phase.borrow_and_update();
                    if current == Phase::Done {
                        let _ = sink.close().await;
                        break;
                    }
                }
                frame = stream.next() => {
                    let Some(Ok(msg)) = frame else {
                        tally.closed.fetch_add(1, Ordering::Relaxed);
                        break;
                    };
                    match self.wire.parse(&msg) {
                        Incoming::Message(Some((t, from))) if from != self.index => {
                            hist.saturating_record(now_micros().saturating_sub(t).max(1));
                            tally.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                        Incoming::Ack(_) => {
                            tally.acked.fetch_add(1, Ordering::Relaxed);
                            tally.room_acked[self.room_index].fetch_add(1, Ordering::Relaxed);
                        }
                        Incoming::Error(code) => {
                            let seen = tally.error_frames.fetch_add(1, Ordering::Relaxed);
                            if seen < 5 {
                                eprintln!("connection {}: error frame {code}", self.index);
                            }
                        }
                        Incoming::Reply(m) => {
                            let answered = sink.send(m).await;
                            if answered.is_err() {
                                tally.closed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                () = sleep_until(wake) => {
                    if let (Phase::Sending, Some(every)) = (current, self.send_every) {
                        next_send += every;
                        let body = format!("t={} s={} n={n} soak", now_micros(), self.index);
                        let client_id = format!("soak.0.{}.{n}", self.index);
                        n += 1;
                        if sink.send(self.wire.send(&self.room, &body, &client_id)).await.is_err() {
                            tally.closed.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        tally.sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        tally.open.fetch_sub(1, Ordering::Relaxed);
        Some(hist)
    }

    /// Opens the socket and waits for `joined`.
    async fn join(&self, sources: &Sources) -> Result<crate::net::Ws, String> {
        let mut ws = websocket(sources, &self.url, self.wire.subprotocol()).await?;
        if let Some(hello) = self.wire.hello(&self.room, None) {
            ws.send(hello).await.map_err(|e| e.to_string())?;
        }
        while let Some(frame) = ws.next().await {
            match self.wire.parse(&frame.map_err(|e| e.to_string())?) {
                Incoming::Ready => return Ok(ws),
                Incoming::Error(code) => return Err(code),
                Incoming::Reply(m) => ws.send(m).await.map_err(|e| e.to_string())?,
                _ => {}
            }
        }
        Err("closed before joined".into())
    }
}
