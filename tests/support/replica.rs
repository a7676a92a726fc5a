//! A private PostgreSQL primary and its streaming replica, made here from Debian's binaries:
//! `initdb`, then `pg_basebackup -R` (the replica follows the primary over the replication
//! protocol), each on a spare port, run as the `postgres` OS user (PostgreSQL refuses root).
//! The shared server holds every other test database and gives no replication access; this
//! pair belongs to one test and is removed with it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub struct ReplicaPair {
    dir: PathBuf,
    bin: PathBuf,
    pub primary_port: u16,
    pub replica_port: u16,
}

fn spare_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a spare port")
}

/// Debian's server binaries (`/usr/lib/postgresql/<version>/bin`), the newest installed.
fn server_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries in /usr/lib/postgresql (make services installs them)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("pg_basebackup").exists())
        .collect();
    found.sort();
    found.pop().expect("a PostgreSQL version with pg_basebackup")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl ReplicaPair {
    pub fn start() -> ReplicaPair {
        let dir = std::env::temp_dir().join(format!("veza-replica-{}-{}", std::process::id(), spare_port()));
        std::fs::create_dir_all(&dir).expect("replica dir");
        let pair = ReplicaPair { dir, bin: server_bin(), primary_port: spare_port(), replica_port: spare_port() };
        pair.chown();
        let (primary, replica) = (pair.data("primary"), pair.data("replica"));
        pair.run("initdb", &["-D", &primary, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
        let conf = format!(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nwal_level = replica\n\
             max_wal_senders = 4\nhot_standby = on\nfsync = off\nfull_page_writes = off\n\
             max_connections = 60\nshared_buffers = 32MB\n",
            pair.primary_port,
            pair.dir.display()
        );
        pair.append(&primary, &conf);
        pair.ctl(&primary, "start");
        let port = pair.primary_port.to_string();
        pair.run(
            "pg_basebackup",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-D", &replica, "-R", "-X", "stream", "-c", "fast"],
        );
        pair.append(&replica, &format!("port = {}\n", pair.replica_port));
        pair.ctl(&replica, "start");
        pair
    }

    pub fn primary_url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.primary_port)
    }

    pub fn replica_url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.replica_port)
    }

    /// Runs SQL on the replica (`pg_wal_replay_pause()`, say) through psql.
    pub fn replica_sql(&self, sql: &str) {
        let port = self.replica_port.to_string();
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-d", "postgres", "-qAtc", sql])
            .output()
            .expect("psql");
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn stop_replica(&self) {
        self.ctl(&self.data("replica"), "stop");
    }

    fn data(&self, which: &str) -> String {
        self.dir.join(which).display().to_string()
    }

    fn chown(&self) {
        if is_root() {
            let ok = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&self.dir).status();
            assert!(ok.is_ok_and(|s| s.success()), "chown the replica dir to postgres");
        }
    }

    fn append(&self, data: &str, text: &str) {
        use std::io::Write;
        let path = Path::new(data).join("postgresql.conf");
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).expect("postgresql.conf");
        f.write_all(text.as_bytes()).expect("append to postgresql.conf");
    }

    fn ctl(&self, data: &str, action: &str) {
        let log = format!("{data}.log");
        let mut args = vec!["-D", data, "-l", &log, "-w", "-t", "60", action];
        if action == "stop" {
            args.extend(["-m", "fast"]);
        }
        self.run("pg_ctl", &args);
    }

    /// One of the server binaries, to run as the `postgres` OS user (when this is root).
    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.current_dir(&self.dir);
        cmd
    }

    /// Runs `tool` to completion; it must succeed.
    fn run(&self, tool: &str, args: &[&str]) {
        let started = Instant::now();
        let out = self.command(tool).args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed after {:?}: {}{}",
            started.elapsed(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for ReplicaPair {
    fn drop(&mut self) {
        for which in ["replica", "primary"] {
            let data = self.data(which);
            if Path::new(&data).join("postmaster.pid").exists() {
                let _ = self.command("pg_ctl").args(["-D", &data, "-m", "immediate", "-w", "stop"]).output();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
