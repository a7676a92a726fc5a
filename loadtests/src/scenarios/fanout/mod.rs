//! `chat-fanout` (and `cross-node`): members of one or more rooms hold a WebSocket each; a few
//! of them send at a set total rate, each body stamped with its send time and step. Every
//! measured member records send-to-receive latency. With several `--rate`s the same
//! connections run one step per rate (optionally stopping once p99 or loss says the node is
//! past its limit); with `--window` senders are unthrottled (a persistence burst). The same
//! scenario drives the peers (`--protocol bare|socketio`) for the comparisons of `make bench`.

mod member;
mod steps;

use crate::net::Sources;
use crate::progress::Progress;
use crate::report::Error;
use crate::wire::{Protocol, Wire};
use member::{Member, Phase};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use steps::{Shared, StepReport};
use veza_core::limits::raise_open_files;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL of a node (http://host:port). Repeat for several nodes (or give a load
    /// balancer); members are spread over them round-robin.
    #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
    urls: Vec<String>,
    /// JSON lines {id, username, token} from `veza admin mint-tokens` (Veza only; used
    /// round-robin when there are fewer tokens than members).
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// Room ids (Veza); members are spread over them round-robin. Peers have one room.
    #[arg(long = "room")]
    rooms: Vec<String>,
    /// Connections (members) in total.
    #[arg(long, default_value_t = 100)]
    members: usize,
    /// Senders per room (taken among its members).
    #[arg(long, default_value_t = 2)]
    senders: usize,
    /// Messages per second, all senders together; a comma-separated list runs one step each.
    #[arg(long, value_delimiter = ',', default_value = "20")]
    rate: Vec<f64>,
    /// Seconds of sending per step.
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// Stop stepping after a step whose p99 exceeds this many ms, or that lost anything.
    #[arg(long)]
    stop_p99_ms: Option<f64>,
    /// Unthrottled senders keeping at most this many unacked messages each (Veza only).
    #[arg(long)]
    window: Option<usize>,
    /// Seconds over which the members connect.
    #[arg(long, default_value_t = 0.0)]
    ramp_up: f64,
    #[arg(long, value_enum, default_value_t = Protocol::Veza)]
    protocol: Protocol,
    /// Speak veza.msgpack.v1 instead of JSON.
    #[arg(long)]
    msgpack: bool,
    /// Loopback source addresses to spread connections over (127.0.1.x).
    #[arg(long, default_value_t = 8)]
    sources: usize,
    /// Also write the report as JSON here.
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

pub async fn run(args: Args) -> Result<(), Error> {
    let steps_n = args.rate.len();
    let bad_rate = args.rate.iter().any(|r| !r.is_finite() || *r <= 0.0);
    if args.members == 0 || steps_n == 0 || bad_rate || args.duration <= 0.0 || !args.duration.is_finite() {
        return Err(Error::Usage("--members, --rate and --duration must be positive".into()));
    }
    if args.cross_node && args.urls.len() < 2 {
        return Err(Error::Usage("cross-node needs at least two --url (one per node)".into()));
    }
    let veza = args.protocol == Protocol::Veza;
    if args.window.is_some() && !veza {
        return Err(Error::Usage("--window needs acks: Veza only".into()));
    }
    let rooms = if veza { args.rooms.clone() } else { vec!["global".to_owned()] };
    if rooms.is_empty() {
        return Err(Error::Usage("--room is required for Veza".into()));
    }
    let tokens = load_tokens(args.tokens.as_ref(), veza)?;
    let nofile = raise_open_files();
    if nofile > 0 && (args.members as u64) + 64 > nofile {
        eprintln!("warning: {} members but the open-files limit is {nofile}", args.members);
    }
    let scenario = match (args.cross_node, args.window.is_some()) {
        (true, _) => "cross-node",
        (false, true) => "persistence-burst",
        (false, false) => "chat-fanout",
    };
    let wire = Wire { protocol: args.protocol, msgpack: args.msgpack };
    let sources = Arc::new(Sources::new(args.sources));
    let shared = Arc::new(Shared::new(steps_n, rooms.len()));
    let (phase_tx, phase_rx) = tokio::sync::watch::channel(Phase::Waiting);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(args.members);
    let senders_total = (args.senders * rooms.len()).clamp(1, args.members);
    let run_id = std::process::id();
    let mut tasks = Vec::with_capacity(args.members);
    let ramp = Duration::from_secs_f64(args.ramp_up.clamp(0.0, 3600.0));
    for i in 0..args.members {
        let room_index = i % rooms.len();
        let is_sender = i / rooms.len() < args.senders;
        let (node, records) = match (args.cross_node, is_sender) {
            (true, true) => (0, false),
            (true, false) => (1 + i % (args.urls.len() - 1), true),
            (false, _) => (i % args.urls.len(), true),
        };
        if records {
            shared.add_recorder(room_index);
        }
        let member = Member {
            index: i,
            url: wire.url(&args.urls[node], tokens.get(i % tokens.len().max(1)).map_or("", String::as_str)),
            wire,
            room: rooms[room_index].clone(),
            room_index,
            sender: is_sender.then(|| member::Sending {
                intervals: args.rate.iter().map(|r| Duration::from_secs_f64(senders_total as f64 / r)).collect(),
                window: args.window,
                run_id,
            }),
            records,
            start_after: ramp.mul_f64(i as f64 / args.members as f64),
        };
        let (shared, sources, phase, ready) = (shared.clone(), sources.clone(), phase_rx.clone(), ready_tx.clone());
        tasks.push(tokio::spawn(member.run(shared, sources, phase, ready)));
    }
    drop(ready_tx);

    let progress = Progress::new();
    let connecting = Instant::now();
    let (mut ready, mut failed) = (0usize, 0usize);
    while ready + failed < args.members {
        match ready_rx.recv().await {
            Some(true) => ready += 1,
            Some(false) => failed += 1,
            None => break,
        }
        progress.say(format!("connecting: {ready} ready, {failed} failed of {}", args.members));
    }
    let connect_secs = connecting.elapsed().as_secs_f64();
    progress.println(format!(
        "{ready} members ready in {connect_secs:.1} s ({:.0} connects/s), {failed} failed; {} over {} node(s)",
        ready as f64 / connect_secs.max(1e-9),
        scenario,
        args.urls.len()
    ));

    let step_len = Duration::from_secs_f64(args.duration.min(3600.0));
    let mut reports: Vec<StepReport> = Vec::new();
    for (k, rate) in args.rate.iter().enumerate() {
        let _ = phase_tx.send(Phase::Sending(k));
        let started = Instant::now();
        while started.elapsed() < step_len {
            tokio::time::sleep(Duration::from_millis(250)).await;
            progress.say(shared.live_line(k, *rate, started.elapsed()));
        }
        let _ = phase_tx.send(Phase::Draining(k));
        shared.wait_quiet(k, Duration::from_secs(2), Duration::from_secs(15)).await;
        let _ = phase_tx.send(Phase::Collect(k));
        shared.wait_collected(k, ready, Duration::from_secs(5)).await;
        let report = shared.step_report(k, *rate, step_len, veza, args.window.is_some());
        progress.println(report.line());
        let past_limit = args.stop_p99_ms.is_some_and(|limit| report.latency.p99_ms > limit || report.lost > 0);
        reports.push(report);
        if past_limit && k + 1 < steps_n {
            progress.println("stopping: p99 over the limit or a loss".to_owned());
            break;
        }
    }
    let _ = phase_tx.send(Phase::Done);
    for t in tasks {
        let _ = t.await;
    }
    progress.finish();
    let summary = steps::Summary::new(
        scenario,
        &args.urls.join(","),
        args.protocol,
        args.members,
        rooms.len(),
        connect_secs,
        failed,
        &shared,
        reports,
        args.stop_p99_ms,
    );
    summary.print();
    if let Some(path) = &args.out {
        summary.write_json(path)?;
    }
    summary.check_errors()
}

fn load_tokens(path: Option<&PathBuf>, veza: bool) -> Result<Vec<String>, Error> {
    let Some(path) = path else {
        return if veza { Err(Error::Usage("--tokens is required for Veza".into())) } else { Ok(Vec::new()) };
    };
    crate::inputs::tokens(path)
}
