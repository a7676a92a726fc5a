//! The trail as read back: one record, and what a reader may filter it by.

use crate::db::schema::audit_log;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One audited action.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditRecord {
    /// The row's place in the chain (gapless, in commit order).
    #[diesel(column_name = chain_seq)]
    pub seq: i64,
    /// Who acted (none for an anonymous attempt such as a failed login).
    pub actor_id: Option<Uuid>,
    /// `area.verb`, e.g. `auth.login_failed`, `admin.user_suspended`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    /// The request's `X-Request-Id` (and its log lines').
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// The row's chain hash, hex.
    #[serde(serialize_with = "as_hex")]
    #[schema(value_type = String)]
    pub hash: Vec<u8>,
}

fn as_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

/// Which actions: one exactly, or every one under a prefix (`auth.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionFilter {
    Exactly(String),
    Under(String),
}

/// What a reader filters the trail by; every part optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<Uuid>,
    pub action: Option<ActionFilter>,
    /// The target's id, and its type when given as `type:id`.
    pub target: Option<(Option<String>, String)>,
    pub since: Option<DateTime<Utc>>,
}

/// Which way a page reads the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Newest first, before a sequence number (the admin list).
    NewestBefore(Option<i64>),
    /// Oldest first, after a sequence number (the export).
    OldestAfter(i64),
}
