//! Creates the database if needed and applies the embedded migrations, each under a
//! PostgreSQL advisory lock so nodes starting together do not race.

use super::DbError;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

/// Every migration under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Advisory-lock key for applying migrations (inside the target database).
const MIGRATE_LOCK: i64 = 0x7665_7a61_6d69_6772; // "vezamigr"

/// What `prepare` did.
#[derive(Debug, Default)]
pub struct Prepared {
    pub created_database: bool,
    pub applied: Vec<String>,
}

/// Creates the database named by `url` when missing, then applies pending migrations.
///
/// Blocking: it runs on its own thread and multi-threaded runtime, because diesel's migration
/// harness needs `block_in_place`. Safe to call from anywhere, inside a runtime or not.
pub fn prepare(url: &str, timeout: Duration) -> Result<Prepared, DbError> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| DbError::Migration(format!("runtime: {e}")))?;
        // Run on a worker thread: `block_in_place` is allowed there.
        rt.block_on(async move {
            tokio::spawn(async move {
                let created_database = ensure_database(&url, timeout).await?;
                let applied = migrate(&url, timeout).await?;
                Ok(Prepared { created_database, applied })
            })
            .await
            .map_err(|e| DbError::Migration(format!("migration task: {e}")))?
        })
    })
    .join()
    .map_err(|_| DbError::Migration("migration thread panicked".into()))?
}

/// Opens one connection, bounded by `timeout`.
pub async fn connect(url: &str, timeout: Duration) -> Result<AsyncPgConnection, DbError> {
    match tokio::time::timeout(timeout, AsyncPgConnection::establish(url)).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(DbError::unreachable(url, e)),
        Err(_) => Err(DbError::unreachable(url, format!("no answer within {} ms", timeout.as_millis()))),
    }
}

/// Splits `url` into (URL of the `postgres` maintenance database, target database name).
pub fn maintenance_url(url: &str) -> Result<(String, String), DbError> {
    let mut u = url::Url::parse(url).map_err(|e| DbError::BadUrl(e.to_string()))?;
    let name = u.path().trim_start_matches('/').to_owned();
    if name.is_empty() {
        return Err(DbError::BadUrl("no database name".into()));
    }
    u.set_path("/postgres");
    Ok((u.to_string(), name))
}

/// `"name"` with inner quotes doubled: safe as an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// Does the database exist? Asked on a maintenance connection.
pub async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> Result<bool, DbError> {
    let row: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(name)
        .get_result(conn)
        .await?;
    Ok(row.exists)
}

/// Creates the target database if missing; `true` when this call created it.
async fn ensure_database(url: &str, timeout: Duration) -> Result<bool, DbError> {
    // Fast path: the database is there (the usual case) and no maintenance access is needed.
    let first = match connect(url, timeout).await {
        Ok(_) => return Ok(false),
        Err(e) => e,
    };
    let (admin_url, name) = maintenance_url(url)?;
    // When the server itself is unreachable, report the configured URL, not the maintenance one.
    let mut admin = connect(&admin_url, timeout).await.map_err(|_| first)?;
    // Advisory locks are per database: every node takes this one in `postgres`.
    let lock = diesel::sql_query("SELECT pg_advisory_lock(hashtext('veza:create:' || $1))").bind::<Text, _>(&name);
    lock.execute(&mut admin).await?;
    let result = async {
        if database_exists(&mut admin, &name).await? {
            return Ok(false);
        }
        diesel::sql_query(format!("CREATE DATABASE {}", quote_ident(&name))).execute(&mut admin).await?;
        tracing::info!(database = %name, "created database");
        Ok(true)
    }
    .await;
    let unlock = diesel::sql_query("SELECT pg_advisory_unlock(hashtext('veza:create:' || $1))").bind::<Text, _>(&name);
    unlock.execute(&mut admin).await?;
    result
}

/// Applies pending migrations under the migration lock; returns the versions applied.
async fn migrate(url: &str, timeout: Duration) -> Result<Vec<String>, DbError> {
    let mut lock_conn = connect(url, timeout).await?;
    diesel::sql_query("SELECT pg_advisory_lock($1)").bind::<BigInt, _>(MIGRATE_LOCK).execute(&mut lock_conn).await?;
    let conn = connect(url, timeout).await?;
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
        .map_err(|e| DbError::Migration(e.to_string()));
    diesel::sql_query("SELECT pg_advisory_unlock($1)").bind::<BigInt, _>(MIGRATE_LOCK).execute(&mut lock_conn).await?;
    let applied = applied?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), versions = ?applied, "applied migrations");
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_url_keeps_credentials_and_swaps_the_database() -> Result<(), DbError> {
        let (admin, name) = maintenance_url("postgres://u:p@h:5433/veza_x?sslmode=disable")?;
        assert_eq!(admin, "postgres://u:p@h:5433/postgres?sslmode=disable");
        assert_eq!(name, "veza_x");
        assert!(maintenance_url("postgres://h/").is_err());
        Ok(())
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("veza"), "\"veza\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
