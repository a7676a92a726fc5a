//! Three nodes as child processes, each with its own proxies to RabbitMQ and Redis, and the
//! 30 clients' traffic.

use crate::client::{self, ClientReport, Plan};
use crate::support::TestDb;
use crate::support::process::ChildNode;
use crate::support::proxy::TcpProxy;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

pub const CLIENTS: usize = 30;
pub const ROOMS: usize = 3;
/// Past the end of sending, the latest a client listens for what it has not yet seen.
const SETTLE_DEADLINE: Duration = Duration::from_secs(20);

pub struct Cluster {
    pub db: TestDb,
    pub nodes: Vec<ChildNode>,
    pub addrs: Arc<Vec<SocketAddr>>,
    pub brokers: Vec<TcpProxy>,
    pub redises: Vec<TcpProxy>,
    pub rooms: Vec<String>,
    pub tokens: Vec<String>,
    http: reqwest::Client,
}

/// What all clients saw.
pub struct Outcome {
    pub clients: Vec<ClientReport>,
    pub reconnects: usize,
}

impl Cluster {
    pub async fn start(n: usize) -> Cluster {
        let db = TestDb::new().await;
        let (mut nodes, mut brokers, mut redises) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            let broker = TcpProxy::start(([127, 0, 0, 1], 5672).into()).await;
            let redis = TcpProxy::start(([127, 0, 0, 1], 6379).into()).await;
            let vars = [
                ("VEZA__DATABASE__URL".to_owned(), db.url.clone()),
                ("VEZA__AMQP__URL".to_owned(), format!("amqp://guest:guest@{}/%2f", broker.addr)),
                ("VEZA__AMQP__EXCHANGE".to_owned(), format!("veza.chaos.{}", db.name)),
                ("VEZA__REDIS__URL".to_owned(), format!("redis://{}", redis.addr)),
                ("VEZA__REDIS__KEY_PREFIX".to_owned(), format!("{}:", db.name)),
                ("VEZA__NODE__ID".to_owned(), format!("c{i}-{}", db.name)),
                ("VEZA__RATE_LIMIT__ENABLED".to_owned(), "false".to_owned()),
                // Ten clients per node: more than the test profile's four connections.
                ("VEZA__DATABASE__POOL_SIZE".to_owned(), "10".to_owned()),
                ("VEZA__DATABASE__CONNECT_TIMEOUT_MS".to_owned(), "5000".to_owned()),
                ("VEZA__CHAT__SEND_PER_MINUTE".to_owned(), "6000".to_owned()),
                ("VEZA__CHAT__SEND_BURST".to_owned(), "200".to_owned()),
            ];
            let node = tokio::task::block_in_place(|| {
                let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                ChildNode::spawn(&refs)
            });
            nodes.push(node);
            brokers.push(broker);
            redises.push(redis);
        }
        let addrs = Arc::new(nodes.iter().map(|n| n.addr).collect::<Vec<_>>());
        let http = crate::support::app::client();
        let mut tokens = Vec::new();
        for i in 0..CLIENTS {
            let body = json!({ "email": format!("chaos{i}@example.com"), "username": format!("chaos{i}"), "password": crate::support::app::PASSWORD });
            let res = http.post(format!("http://{}/api/v1/auth/register", addrs[i % n])).json(&body).send().await;
            let v: Value = res.expect("register").json().await.expect("json");
            tokens.push(v["access_token"].as_str().expect("token").to_owned());
        }
        let mut rooms = Vec::new();
        for r in 0..ROOMS {
            let res = http
                .post(format!("http://{}/api/v1/rooms", addrs[0]))
                .bearer_auth(&tokens[0])
                .json(&json!({ "name": format!("Chaos {r}"), "visibility": "public" }))
                .send()
                .await
                .expect("create room");
            let v: Value = res.json().await.expect("json");
            rooms.push(v["id"].as_str().expect("id").to_owned());
        }
        let c = Cluster { db, nodes, addrs, brokers, redises, rooms, tokens, http };
        // Every node's broker link is up before traffic starts.
        for i in 0..n {
            for _ in 0..100 {
                if c.health(i).await["checks"]["amqp"] == "ok" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        c
    }

    /// Starts the clients: they join, send for `sending`, then settle until each has every
    /// room up to its final `seq` (at most `SETTLE_DEADLINE`); resolves when done.
    pub fn traffic(&self, sending: Duration) -> impl Future<Output = Outcome> + use<> {
        let quiet = Arc::new(AtomicUsize::new(0));
        let (publish, target) = watch::channel(None);
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let plan = Plan {
                    index: i,
                    token: self.tokens[i].clone(),
                    rooms: self.rooms.clone(),
                    nodes: self.addrs.clone(),
                    sending,
                    deadline: SETTLE_DEADLINE,
                    quiet: quiet.clone(),
                    target: target.clone(),
                };
                tokio::spawn(client::run(plan))
            })
            .collect();
        let (url, rooms) = (self.db.url.clone(), self.rooms.clone());
        // Once every send is acked, the rooms' final seqs are what each client must reach.
        tokio::spawn(async move {
            let give_up = tokio::time::Instant::now() + sending + SETTLE_DEADLINE;
            while AtomicUsize::load(&quiet, Ordering::SeqCst) < CLIENTS && tokio::time::Instant::now() < give_up {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = publish.send(Some(final_seqs(&url, &rooms).await));
        });
        async move {
            let mut clients = Vec::new();
            for t in tasks {
                clients.push(t.await.expect("client task"));
            }
            let reconnects = clients.iter().map(|c| c.reconnects).sum();
            Outcome { clients, reconnects }
        }
    }

    /// The nodes' warnings and errors, to say why a scenario failed.
    pub fn dump_logs_unless(&self, clean: bool) {
        if clean {
            return;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            // Warnings, errors, and the info lines that say how a room healed a gap.
            let telling = |l: &String| {
                l.contains("\"WARN\"") || l.contains("\"ERROR\"") || l.contains("resync") || l.contains("RabbitMQ")
            };
            let lines: Vec<String> = node.logs().into_iter().filter(telling).collect();
            println!("--- node {i}: {} warnings, errors and resyncs, the last 40:", lines.len());
            for l in lines.iter().rev().take(40).rev() {
                println!("{l}");
            }
        }
    }

    /// `kill -9`: no drain, no goodbye.
    pub fn kill(&mut self, i: usize) {
        let pid = self.nodes[i].pid().to_string();
        let ok = std::process::Command::new("kill").args(["-KILL", &pid]).status().is_ok_and(|s| s.success());
        assert!(ok, "kill -KILL {pid}");
    }

    pub async fn health(&self, i: usize) -> Value {
        match self.http.get(format!("http://{}/health", self.addrs[i])).send().await {
            Ok(res) => res.json().await.unwrap_or_default(),
            Err(_) => Value::Null,
        }
    }

    /// `veza_rate_limit_local_fallbacks` of node `i`.
    pub async fn fallbacks(&self, i: usize) -> f64 {
        let text = match self.http.get(format!("http://{}/metrics", self.addrs[i])).send().await {
            Ok(res) => res.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        crate::support::app::metric_value(&text, "veza_rate_limit_local_fallbacks").unwrap_or(-1.0)
    }
}

/// Each room's `last_seq` in PostgreSQL.
async fn final_seqs(url: &str, rooms: &[String]) -> HashMap<String, i64> {
    let mut conn = veza::db::migrate::connect(url, Duration::from_secs(10)).await.expect("connect");
    let mut out = HashMap::new();
    for room in rooms {
        let id: Uuid = room.parse().expect("uuid");
        let last: i64 = veza::db::schema::rooms::table
            .find(id)
            .select(veza::db::schema::rooms::last_seq)
            .first(&mut conn)
            .await
            .expect("last_seq");
        out.insert(room.clone(), last);
    }
    out
}
