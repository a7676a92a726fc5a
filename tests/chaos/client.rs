//! One chaos client: joins every room, sends one message every 150 ms for a while, records
//! every `message` frame and every `ack`; on a lost connection reconnects to the next node,
//! rejoins each room with its `last_seen`, and resends its unacked messages (same
//! `client_id`), as a real client would. Then it settles: it says when all its sends are acked
//! and listens until it has every room up to the final `seq` the cluster publishes (or a
//! deadline: what is missing then is lost). A fixed settle time would count a heal that a
//! loaded machine made late as a loss.

use crate::support::ws::{WsStream, connect};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::tungstenite::Message;

pub struct Plan {
    pub index: usize,
    pub token: String,
    pub rooms: Vec<String>,
    pub nodes: Arc<Vec<SocketAddr>>,
    pub sending: Duration,
    /// Past the end of sending, the latest a client listens.
    pub deadline: Duration,
    /// Counts the clients whose sends are all acked (sending over).
    pub quiet: Arc<AtomicUsize>,
    /// Each room's final `seq`, once every client is quiet.
    pub target: watch::Receiver<Option<HashMap<String, i64>>>,
}

#[derive(Default)]
pub struct ClientReport {
    /// client_ids this client created.
    pub sent: Vec<String>,
    /// client_id -> (room, seq) from the acks.
    pub acked: HashMap<String, (String, i64)>,
    /// room -> seqs in the order received (duplicates included, if any).
    pub received: HashMap<String, Vec<i64>>,
    /// Error frames other than `rate_limited`, and connection failures that never recovered.
    pub errors: Vec<String>,
    pub reconnects: usize,
    /// Why connections ended (close code, or the transport error), to explain a loss.
    pub closes: Vec<String>,
    /// Refusals the protocol says to retry (`unavailable`: send again, join again).
    pub retried: usize,
}

const SEND_EVERY: Duration = Duration::from_millis(150);
const RESEND_AFTER: Duration = Duration::from_secs(2);

pub async fn run(plan: Plan) -> ClientReport {
    let mut report = ClientReport::default();
    // client_id -> (room, body, last sent at)
    let mut pending: BTreeMap<String, (String, String, Instant)> = BTreeMap::new();
    let start = Instant::now();
    let (send_until, stop_at) = (start + plan.sending, start + plan.sending + plan.deadline);
    let mut said_quiet = false;
    let mut node = plan.index % plan.nodes.len();
    let mut next_send = start;
    let mut counter = 0usize;
    'connection: while Instant::now() < stop_at {
        let Some(mut ws) = open(&plan, &mut node, stop_at).await else {
            report.errors.push("no node accepted the connection".into());
            break;
        };
        for room in &plan.rooms {
            let mut join = json!({ "type": "join", "room": room });
            // Everything after what it has (all of it the first time: others may already talk).
            let last = report.received.get(room).and_then(|s| s.iter().max()).copied().unwrap_or(0);
            join["last_seen"] = last.into();
            if ws.send(Message::Text(join.to_string().into())).await.is_err() {
                report.reconnects += 1;
                continue 'connection;
            }
        }
        // Unacked messages go again (same client_id) once every room is joined.
        for (_, _, at) in pending.values_mut() {
            *at = start;
        }
        let mut joined = 0usize;
        loop {
            // Sending: at the next send; settling: often, for resends and the end.
            let now = Instant::now();
            let wake = if now < send_until { next_send } else { now + Duration::from_millis(200) }.min(stop_at);
            tokio::select! {
                frame = ws.next() => {
                    let msg = match frame {
                        Some(Ok(Message::Close(c))) => {
                            report.closes.push(format!("{:?}", c.map(|c| c.code)));
                            report.reconnects += 1;
                            node += 1;
                            continue 'connection;
                        }
                        Some(Ok(msg)) => msg,
                        Some(Err(e)) => {
                            report.closes.push(e.to_string());
                            report.reconnects += 1;
                            node += 1;
                            continue 'connection;
                        }
                        None => {
                            report.closes.push("ended".into());
                            report.reconnects += 1;
                            node += 1;
                            continue 'connection;
                        }
                    };
                    let Message::Text(text) = msg else { continue };
                    let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                    if v["type"] == "joined" {
                        joined += 1;
                    }
                    // "join again": the room names itself in `ref`.
                    if v["type"] == "error" && v["code"] == "unavailable"
                        && let Some(room) = v["ref"].as_str().filter(|r| plan.rooms.iter().any(|x| x == r))
                    {
                        let last = report.received.get(room).and_then(|s| s.iter().max()).copied().unwrap_or(0);
                        let join = json!({ "type": "join", "room": room, "last_seen": last });
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        if ws.send(Message::Text(join.to_string().into())).await.is_err() {
                            report.reconnects += 1;
                            continue 'connection;
                        }
                    }
                    record(&mut report, &mut pending, &v);
                }
                () = sleep_until(wake) => {
                    let now = Instant::now();
                    if now >= stop_at || has_everything(&report, &plan.target) {
                        break 'connection;
                    }
                    if now >= send_until && pending.is_empty() && !said_quiet {
                        said_quiet = true;
                        plan.quiet.fetch_add(1, Ordering::SeqCst);
                    }
                    if joined < plan.rooms.len() {
                        continue; // sends wait for the joins
                    }
                    if now < send_until {
                        counter += 1;
                        let cid = format!("c{}-{counter}", plan.index);
                        let room = plan.rooms[counter % plan.rooms.len()].clone();
                        let body = format!("{cid} says hi");
                        report.sent.push(cid.clone());
                        let frame = send_frame(&room, &body, &cid);
                        pending.insert(cid, (room, body, now));
                        next_send = now + SEND_EVERY;
                        if ws.send(Message::Text(frame.to_string().into())).await.is_err() {
                            report.reconnects += 1;
                            continue 'connection;
                        }
                    }
                    // Unanswered for a while (a lost ack, a refused send): the same client_id again.
                    let stale: Vec<String> =
                        pending.iter().filter(|(_, (_, _, at))| now - *at > RESEND_AFTER).map(|(k, _)| k.clone()).collect();
                    for cid in stale {
                        if let Some((room, body, at)) = pending.get_mut(&cid) {
                            *at = now;
                            let frame = send_frame(room, body, &cid);
                            if ws.send(Message::Text(frame.to_string().into())).await.is_err() {
                                report.reconnects += 1;
                                continue 'connection;
                            }
                        }
                    }
                }
            }
        }
    }
    for cid in pending.keys() {
        report.errors.push(format!("never acked: {cid}"));
    }
    report
}

/// Every room received up to the final `seq` (known once every client is quiet).
fn has_everything(report: &ClientReport, target: &watch::Receiver<Option<HashMap<String, i64>>>) -> bool {
    let Some(target) = target.borrow().clone() else { return false };
    target.iter().all(|(room, last)| report.received.get(room).and_then(|s| s.iter().max()).is_some_and(|m| m >= last))
}

/// Connects to `node` or the next ones that answer.
async fn open(plan: &Plan, node: &mut usize, until: Instant) -> Option<WsStream> {
    while Instant::now() < until {
        let addr = plan.nodes[*node % plan.nodes.len()];
        let url = format!("ws://{addr}/ws?token={}", plan.token);
        if let Ok((ws, _)) = connect(&url, &["veza.json.v1"], None).await {
            return Some(ws);
        }
        *node += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

fn send_frame(room: &str, body: &str, cid: &str) -> Value {
    json!({ "type": "send", "room": room, "body": body, "client_id": cid })
}

fn record(report: &mut ClientReport, pending: &mut BTreeMap<String, (String, String, Instant)>, v: &Value) {
    match v["type"].as_str() {
        Some("message") => {
            if let (Some(room), Some(seq)) = (v["room"].as_str(), v["seq"].as_i64()) {
                report.received.entry(room.to_owned()).or_default().push(seq);
            }
        }
        Some("ack") => {
            if let (Some(cid), Some(seq)) = (v["client_id"].as_str(), v["seq"].as_i64())
                && let Some((room, _, _)) = pending.remove(cid)
            {
                report.acked.insert(cid.to_owned(), (room, seq));
            }
        }
        Some("error") => {
            let code = v["code"].as_str().unwrap_or("?");
            // Refusals to retry (the send stays pending; a join is sent again); anything else
            // is a failure.
            if code == "rate_limited" || code == "unavailable" {
                report.retried += 1;
            } else {
                report.errors.push(v.to_string());
            }
        }
        _ => {}
    }
}
