use crate::config::redact_url;

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot reach PostgreSQL at {url}: {reason}; start one with `make services`")]
    Unreachable { url: String, reason: String },
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("database timed out after {0} ms")]
    Timeout(u64),
    #[error("invalid database URL: {0}")]
    BadUrl(String),
}

impl DbError {
    pub(crate) fn unreachable(url: &str, reason: impl std::fmt::Display) -> Self {
        let reason = reason.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        DbError::Unreachable { url: redact_url(url), reason }
    }
}
