//! The `veza` binary as a child process: for exit codes, signals and drain.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_veza")
}

/// `veza <args>` with the test layer and `vars`; waits for it to exit (at most 60 s).
pub fn run(args: &[&str], vars: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let mut cmd = base_command(vars);
    cmd.args(args);
    let out = cmd.output().expect("run veza");
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn base_command(vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(binary());
    // Only what the test says: nothing inherited may change the config.
    for (k, _) in std::env::vars() {
        if k.starts_with("VEZA") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.env("VEZA_ENV", "test").env("VEZA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"));
    // Storage and spool directories of the test database, like in-process nodes.
    if let Some((_, db)) = vars.iter().find(|(k, _)| *k == "VEZA__DATABASE__URL") {
        let files = super::db::files_dir(db);
        cmd.env("VEZA__TRACKS__STORAGE_URL", format!("file://{}", files.join("blobs").display()))
            .env("VEZA__TRACKS__TMP_DIR", files.join("spool"))
            .env("VEZA__SEARCH__DIR", files.join("search"));
    } else {
        cmd.env("VEZA__SEARCH__DIR", std::env::temp_dir().join("veza-test-files").join("search"));
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// A running `veza serve` whose stderr (JSON logs) is collected.
pub struct ChildNode {
    child: Child,
    pub addr: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
}

impl ChildNode {
    /// Starts `veza serve` on a random port with JSON logs at info; waits until it listens.
    pub fn spawn(vars: &[(&str, &str)]) -> ChildNode {
        let mut cmd = base_command(vars);
        cmd.env("VEZA__LOG__FORMAT", "json").env("VEZA__LOG__LEVEL", "info").env("VEZA__SERVER__PORT", "0");
        cmd.arg("serve").stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn veza serve");
        let stderr = child.stderr.take().expect("stderr piped");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = listening_addr(&line) {
                    let _ = tx.send(addr);
                }
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => ChildNode { child, addr, logs },
            Err(_) => {
                let _ = child.kill();
                let logs = logs.lock().map(|l| l.join("\n")).unwrap_or_default();
                panic!("veza serve did not start listening:\n{logs}");
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (through `kill`, to keep the harness free of libc bindings).
    pub fn terminate(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().is_ok_and(|s| s.success());
        assert!(ok, "kill -TERM failed");
    }

    /// Waits for exit, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for ChildNode {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The `addr` field of the "listening" JSON log line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    if v.get("message")?.as_str()? != "listening" {
        return None;
    }
    v.get("addr")?.as_str()?.parse().ok()
}
