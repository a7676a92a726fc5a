//! `veza-loadtest`: load scenarios against Veza nodes. Bounded in time and count; stops by itself.

mod clients;
mod inputs;
mod net;
mod probe;
mod progress;
mod report;
mod scenarios;
mod wire;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "veza-loadtest", version, about = "Load scenarios against Veza nodes, latencies in HDR histograms")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// N concurrent keep-alive clients hitting GET /health: throughput and latency percentiles.
    Health(scenarios::health::Args),
    /// N clients logging the seeded load users in back to back: logins/s (each a password
    /// check, a session and an audit row on the hash chain).
    Login(scenarios::login::Args),
    /// N clients reading random byte ranges of one file: ranges/s, bytes/s, latency per range.
    RangeRead(scenarios::range_read::Args),
    /// Room members over /ws; senders at a set rate (or stepped rates, or unthrottled with
    /// --window); send-to-receive latency, deliveries/s, loss. --protocol drives the peers too.
    ChatFanout(scenarios::fanout::Args),
    /// chat-fanout across nodes: senders on the first --url, measured members on the others;
    /// delivery latency through RabbitMQ.
    CrossNode(scenarios::fanout::Args),
    /// The same messages stored through a user's WebSocket send or the server API's gRPC
    /// Publish (--via ws|grpc), each answered after its commit: messages/s and latency.
    Publish(scenarios::publish::Args),
    /// N authenticated idle WebSockets: connects/s and the node's memory per connection.
    ConnectIdle(scenarios::connect_idle::Args),
    /// RabbitMQ alone, as Veza's fan-out uses it: confirmed publishes to a topic exchange,
    /// --queues nodes' queues consuming; envelopes/s and latency (SCALING.md).
    Broker(scenarios::broker::Args),
    /// Marketplace mix over minted tokens: browse, filter, search, view, offer flows; latency per endpoint.
    Marketplace(scenarios::marketplace::Args),
    /// Keep-alive clients cycling through GET paths; latency per path.
    RestMixed(scenarios::rest_mixed::Args),
    /// Listings written to one node at a rate, each probed on another node's search: the lag.
    SearchFreshness(scenarios::search_freshness::Args),
    /// The most connections the machine allows, held with chat traffic and REST reads for a long
    /// run: errors, the node's memory drift and open files (`make soak`).
    Soak(scenarios::soak::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Feature unification gives reqwest `rustls-no-provider` in workspace builds (`make build`):
    // without a provider, building a client panics. Installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("veza-loadtest: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.scenario {
            Scenario::Health(args) => scenarios::health::run(args).await,
            Scenario::Login(args) => scenarios::login::run(args).await,
            Scenario::RangeRead(args) => scenarios::range_read::run(args).await,
            Scenario::ChatFanout(args) => scenarios::fanout::run(args).await,
            Scenario::CrossNode(args) => scenarios::fanout::run(args.across_nodes()).await,
            Scenario::ConnectIdle(args) => scenarios::connect_idle::run(args).await,
            Scenario::Publish(args) => scenarios::publish::run(args).await,
            Scenario::Broker(args) => scenarios::broker::run(args).await,
            Scenario::Marketplace(args) => scenarios::marketplace::run(args).await,
            Scenario::RestMixed(args) => scenarios::rest_mixed::run(args).await,
            Scenario::SearchFreshness(args) => scenarios::search_freshness::run(args).await,
            Scenario::Soak(args) => scenarios::soak::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("veza-loadtest: {e}");
            ExitCode::FAILURE
        }
    }
}
