//! A fresh database per test, created from a template database migrated once per set of
//! migrations (safe across test processes: built under an advisory lock, then renamed into place).

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::OnceCell;
use veza::db::migrate::{self, quote_ident};

/// The server all tests share; override with `VEZA_TEST_DATABASE_URL` (any database on it).
pub fn server_url() -> String {
    std::env::var("VEZA_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `server_url()` pointing at database `name`.
pub fn url_for(name: &str) -> String {
    let mut u = url::Url::parse(&server_url()).expect("VEZA_TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

const TIMEOUT: Duration = Duration::from_secs(10);
static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

async fn admin() -> AsyncPgConnection {
    migrate::connect(&url_for("postgres"), TIMEOUT).await.expect("PostgreSQL reachable (make services)")
}

/// Hash of every migration file: a new migration means a new template.
fn migrations_fingerprint() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut entries: Vec<_> = walk(&dir);
    entries.sort();
    // FNV-1a: stable across runs and processes (std's hasher is seeded per process).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for path in entries {
        let bytes = std::fs::read(&path).unwrap_or_default();
        for b in path.to_string_lossy().bytes().chain(bytes) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
}

/// Runs `sql`, retrying while another session still holds the source database (a backend
/// that just disconnected can take a moment to go).
async fn exec_retrying(conn: &mut AsyncPgConnection, sql: &str) {
    for attempt in 0..50 {
        match diesel::sql_query(sql).execute(conn).await {
            Ok(_) => return,
            Err(e) if attempt < 49 && e.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{sql}: {e}"),
        }
    }
}

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("veza_tpl_{}", migrations_fingerprint());
            let mut conn = admin().await;
            diesel::sql_query("SELECT pg_advisory_lock(hashtext('veza:test-template'))")
                .execute(&mut conn)
                .await
                .expect("lock");
            sweep_stale(&mut conn).await;
            if !migrate::database_exists(&mut conn, &name).await.expect("query") {
                let building = format!("{name}_build");
                exec_retrying(&mut conn, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&building)))
                    .await;
                exec_retrying(&mut conn, &format!("CREATE DATABASE {}", quote_ident(&building))).await;
                migrate::prepare(&url_for(&building), TIMEOUT).expect("migrate template");
                exec_retrying(
                    &mut conn,
                    &format!("ALTER DATABASE {} RENAME TO {}", quote_ident(&building), quote_ident(&name)),
                )
                .await;
            }
            diesel::sql_query("SELECT pg_advisory_unlock(hashtext('veza:test-template'))")
                .execute(&mut conn)
                .await
                .expect("unlock");
            name
        })
        .await
}

/// Drops test databases whose process is gone (a crashed or killed run) and old templates.
async fn sweep_stale(conn: &mut AsyncPgConnection) {
    let rows: Vec<Name> = diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'veza\\_t\\_%'")
        .load(conn)
        .await
        .unwrap_or_default();
    for row in rows {
        let pid = row.datname.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&row.datname)))
                .execute(conn)
                .await;
        }
    }
}

/// A database of its own for one test; dropped with the value.
pub struct TestDb {
    pub name: String,
    pub url: String,
    /// Only the owner drops the database.
    owned: bool,
}

impl TestDb {
    /// A fresh, migrated database.
    pub async fn new() -> TestDb {
        let tpl = template().await;
        let name = Self::fresh_name();
        let mut conn = admin().await;
        exec_retrying(&mut conn, &format!("CREATE DATABASE {} TEMPLATE {}", quote_ident(&name), quote_ident(tpl)))
            .await;
        TestDb { url: url_for(&name), name, owned: true }
    }

    /// The same database for a second node; dropping this handle keeps the database.
    pub fn share(&self) -> TestDb {
        TestDb { name: self.name.clone(), url: self.url.clone(), owned: false }
    }

    /// A name for a database that does not exist yet (the node must create it); dropped with the value.
    pub fn not_created() -> TestDb {
        let name = Self::fresh_name();
        TestDb { url: url_for(&name), name, owned: true }
    }

    fn fresh_name() -> String {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let salt = &uuid::Uuid::new_v4().simple().to_string()[..6];
        format!("veza_t_{}_{n}_{salt}", std::process::id())
    }

    /// A connection to this test's database.
    pub async fn conn(&self) -> AsyncPgConnection {
        migrate::connect(&self.url, TIMEOUT).await.expect("connect to test database")
    }
}

/// The directory of files (blobs, spooled uploads) that belongs to the test database at `url`.
pub fn files_dir(url: &str) -> std::path::PathBuf {
    let name = url.rsplit('/').next().unwrap_or("veza").split('?').next().unwrap_or("veza");
    std::env::temp_dir().join("veza-test-files").join(name)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let _ = std::fs::remove_dir_all(files_dir(&self.url));
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&self.name));
        // Drop runs inside a test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = migrate::connect(&url_for("postgres"), TIMEOUT).await {
                    let _ = diesel::sql_query(sql).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}
