//! `chat-fanout`: members of one or more rooms connect over `/ws` with minted tokens; a few of
//! them send at a fixed total rate, each body carrying its send time. Every member measures
//! send-to-receive latency; the report gives deliveries/s, percentiles and loss. With several
//! `--url`s members are spread over the nodes; `cross-node` puts the senders on the first node
//! and measures only members on the others (latency through the broker).

use crate::report::{Error, Report};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL of a node (http://host:port; the WebSocket is at /ws). Repeat for several
    /// nodes (or give a load balancer); members are spread over them round-robin.
    #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
    urls: Vec<String>,
    /// JSON lines {id, username, token} from `veza admin mint-tokens`.
    #[arg(long)]
    tokens: PathBuf,
    /// Room ids; members are spread over them round-robin.
    #[arg(long = "room", required = true)]
    rooms: Vec<String>,
    /// Connections (members) in total.
    #[arg(long, default_value_t = 100)]
    members: usize,
    /// Senders per room (taken among its members).
    #[arg(long, default_value_t = 2)]
    senders: usize,
    /// Messages per second, all senders of all rooms together.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Seconds of sending (then a short drain).
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// Speak veza.msgpack.v1 instead of JSON.
    #[arg(long)]
    msgpack: bool,
    #[arg(long)]
    out: Option<PathBuf>,
    /// Set by `cross-node`: senders on the first node, measured members on the others.
    #[arg(skip)]
    cross_node: bool,
}

impl Args {
    /// The `cross-node` variant of these arguments.
    pub fn across_nodes(self) -> Self {
        Args { cross_node: true, ..self }
    }
}

#[derive(Deserialize)]
struct Minted {
    token: String,
}

fn now_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, token: &str, msgpack: bool) -> Result<Ws, String> {
    let ws_url = format!("{}/ws?token={token}", url.trim_end_matches('/').replacen("http", "ws", 1));
    let mut req = ws_url.into_client_request().map_err(|e| e.to_string())?;
    let proto = if msgpack { "veza.msgpack.v1" } else { "veza.json.v1" };
    req.headers_mut().insert("sec-websocket-protocol", proto.parse().map_err(|_| "header".to_string())?);
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws).map_err(|e| e.to_string())
}

fn encode(v: &serde_json::Value, msgpack: bool) -> Message {
    if msgpack {
        Message::Binary(rmp_serde::to_vec_named(v).unwrap_or_default().into())
    } else {
        Message::Text(v.to_string().into())
    }
}

fn decode(m: &Message) -> Option<serde_json::Value> {
    match m {
        Message::Text(t) => serde_json::from_str(t.as_str()).ok(),
        Message::Binary(b) => rmp_serde::from_slice(b).ok(),
        _ => None,
    }
}

struct Totals {
    sent: AtomicU64,
    acked: AtomicU64,
    delivered: AtomicU64,
    connect_errors: AtomicU64,
    closed_early: AtomicU64,
}

pub async fn run(args: Args) -> Result<(), Error> {
    if args.members == 0 || args.rate <= 0.0 || args.duration <= 0.0 {
        return Err(Error::Usage("--members, --rate and --duration must be positive".into()));
    }
    if args.cross_node && args.urls.len() < 2 {
        return Err(Error::Usage("cross-node needs at least two --url (one per node)".into()));
    }
    let scenario = if args.cross_node { "cross-node" } else { "chat-fanout" };
    let text = std::fs::read_to_string(&args.tokens)?;
    let tokens: Vec<String> =
        text.lines().filter_map(|l| serde_json::from_str::<Minted>(l).ok()).map(|m| m.token).collect();
    if tokens.len() < args.members {
        return Err(Error::Usage(format!("{} tokens for {} members", tokens.len(), args.members)));
    }
    let totals = Arc::new(Totals {
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        connect_errors: AtomicU64::new(0),
        closed_early: AtomicU64::new(0),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let run = now_micros();
    let sender_count = (args.senders * args.rooms.len()).max(1);
    let per_sender_interval = Duration::from_secs_f64(sender_count as f64 / args.rate);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(args.members);
    // A watch, not a Notify: a member that gets ready after the start still sees it.
    let (go_tx, go) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    let mut recorders_per_room: BTreeMap<usize, u64> = BTreeMap::new();
    for (i, token) in tokens.iter().take(args.members).enumerate() {
        let room = args.rooms[i % args.rooms.len()].clone();
        let is_sender = i / args.rooms.len() < args.senders;
        // cross-node: senders on node 0 (not measured), everyone else on the other nodes.
        let (node, records) = match (args.cross_node, is_sender) {
            (true, true) => (0, false),
            (true, false) => (1 + i % (args.urls.len() - 1), true),
            (false, _) => (i % args.urls.len(), true),
        };
        if records {
            *recorders_per_room.entry(i % args.rooms.len()).or_default() += 1;
        }
        let (url, token, msgpack) = (args.urls[node].clone(), token.clone(), args.msgpack);
        let (totals, stop, ready, mut go) = (totals.clone(), stop.clone(), ready_tx.clone(), go.clone());
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok()?;
            let Ok(ws) = connect(&url, &token, msgpack).await else {
                totals.connect_errors.fetch_add(1, Ordering::Relaxed);
                let _ = ready.send(()).await;
                return Some(hist);
            };
            let (mut sink, mut stream) = ws.split();
            let _ = sink.send(encode(&serde_json::json!({ "type": "join", "room": room }), msgpack)).await;
            // Wait for `joined` before counting this member in.
            while let Some(Ok(m)) = stream.next().await {
                if decode(&m).is_some_and(|v| v["type"] == "joined") {
                    break;
                }
            }
            let _ = ready.send(()).await;
            let _ = go.wait_for(|started| *started).await;
            let sending = async {
                if !is_sender {
                    return;
                }
                let mut n = 0u64;
                let mut tick = tokio::time::interval(per_sender_interval);
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let body = format!("t={} n={n} {}", now_micros(), "·".repeat(32));
                    // Unique per run: the server answers a repeated client_id with the original.
                    let client_id = format!("{run}-{i}-{n}");
                    let frame =
                        serde_json::json!({ "type": "send", "room": room, "body": body, "client_id": client_id });
                    if sink.send(encode(&frame, msgpack)).await.is_err() {
                        break;
                    }
                    totals.sent.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
            };
            let receiving = async {
                loop {
                    // Until the senders stop, then until the stream has been quiet for 2 s.
                    let next = tokio::time::timeout(Duration::from_secs(2), stream.next()).await;
                    let m = match next {
                        Ok(Some(Ok(m))) => m,
                        Ok(_) => break,
                        Err(_) if stop.load(Ordering::Relaxed) => break,
                        Err(_) => continue,
                    };
                    let Some(v) = decode(&m) else {
                        if matches!(m, Message::Close(_)) {
                            totals.closed_early.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        continue;
                    };
                    if std::env::var_os("VEZA_LOADTEST_DEBUG").is_some() {
                        eprintln!("member {i}: {v}");
                    }
                    match v["type"].as_str() {
                        Some("message") => {
                            let sent = v["body"]
                                .as_str()
                                .and_then(|b| b.strip_prefix("t="))
                                .and_then(|b| b.split(' ').next())
                                .and_then(|t| t.parse::<u64>().ok());
                            if let Some(t) = sent.filter(|_| records) {
                                hist.saturating_record(now_micros().saturating_sub(t).max(1));
                                totals.delivered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Some("ack") => {
                            totals.acked.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {}
                    }
                }
            };
            tokio::join!(sending, receiving);
            Some(hist)
        }));
    }
    drop(ready_tx);
    let mut ready = 0;
    while ready < args.members && ready_rx.recv().await.is_some() {
        ready += 1;
    }
    println!("{} members connected and joined; sending at {} msg/s for {} s", ready, args.rate, args.duration);
    let started = Instant::now();
    let _ = go_tx.send(true);
    tokio::time::sleep(Duration::from_secs_f64(args.duration.min(3600.0))).await;
    stop.store(true, Ordering::Relaxed);
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| Error::Setup(e.to_string()))?;
    for t in tasks {
        if let Ok(Some(h)) = t.await {
            hist.add(&h).map_err(|e| Error::Setup(e.to_string()))?;
        }
    }
    let elapsed = started.elapsed();
    let acked = totals.acked.load(Ordering::Relaxed);
    let members_per_room = recorders_per_room.values().copied().max().unwrap_or(0);
    let expected = acked * members_per_room;
    let delivered = totals.delivered.load(Ordering::Relaxed);
    let mut errors = BTreeMap::new();
    errors.insert("connect".into(), totals.connect_errors.load(Ordering::Relaxed));
    errors.insert("closed_early".into(), totals.closed_early.load(Ordering::Relaxed));
    errors.insert("unacked".into(), totals.sent.load(Ordering::Relaxed).saturating_sub(acked));
    errors.insert("lost_deliveries".into(), expected.saturating_sub(delivered));
    // Rates are over the sending window; the drain after it only collects the tail.
    let window = Duration::from_secs_f64(args.duration.min(3600.0));
    let target = args.urls.join(",");
    let report = Report::from_histogram(scenario, &target, args.members, window, &hist, errors);
    println!("wall time   {:.1} s (sending window {:.1} s plus drain)", elapsed.as_secs_f64(), window.as_secs_f64());
    report.print();
    println!(
        "messages    {} sent, {} acked; deliveries {} of {} expected",
        totals.sent.load(Ordering::Relaxed),
        acked,
        delivered,
        expected
    );
    if let Some(path) = args.out {
        report.write_json(&path)?;
    }
    Ok(())
}
