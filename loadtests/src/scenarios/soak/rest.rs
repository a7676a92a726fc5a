//! REST readers beside the chat traffic: keep-alive clients cycling through GET paths at a fixed
//! total rate, each with a user's token; any answer but 2xx is an error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

#[derive(Default)]
pub struct RestTally {
    pub ok: AtomicU64,
    pub failed: AtomicU64,
}

pub struct Reader {
    pub base: String,
    /// Full paths (ids already filled in), taken in turn.
    pub paths: Arc<Vec<String>>,
    pub token: String,
    pub every: Duration,
    pub offset: usize,
}

impl Reader {
    pub async fn run(self, tally: Arc<RestTally>, mut stop: watch::Receiver<bool>) {
        let Ok(client) = reqwest::Client::builder().pool_max_idle_per_host(1).timeout(Duration::from_secs(10)).build()
        else {
            tally.failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let mut next = Instant::now();
        let mut n = self.offset;
        while !*stop.borrow() {
            tokio::select! {
                _ = stop.changed() => break,
                () = sleep_until(next) => {}
            }
            next += self.every;
            let Some(path) = self.paths.get(n % self.paths.len().max(1)) else { return };
            n += 1;
            let req = client.get(format!("{}{path}", self.base)).bearer_auth(&self.token);
            let ok = match req.send().await {
                Ok(res) => {
                    let status = res.status();
                    let whole = res.bytes().await.is_ok();
                    if !status.is_success() && tally.failed.load(Ordering::Relaxed) < 5 {
                        eprintln!("GET {path}: {status}");
                    }
                    status.is_success() && whole
                }
                Err(_) => false,
            };
            let counter = if ok { &tally.ok } else { &tally.failed };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}
