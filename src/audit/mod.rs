//! The audit trail: who did what to whom, when, from where, in which request. Appended by the
//! features in the same transaction as the action; the admin feature reads it. A hash chain
//! (migration `audit_chain`): PostgreSQL links each row to the one before under one lock and
//! refuses updates and deletes; `verify` recomputes it.

use crate::db::schema::audit_log;
use crate::web::client::ClientInfo;
use diesel::prelude::*;
use veza_core::UserId;

pub mod anchor;
pub mod model;
mod repo;
pub mod verify;
pub use repo::{page, record};

/// One audited action.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry<'a> {
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<String>,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub data: serde_json::Value,
}

impl<'a> AuditEntry<'a> {
    pub fn new(action: &'a str) -> Self {
        AuditEntry {
            actor_id: None,
            action,
            target_type: None,
            target_id: None,
            ip: None,
            request_id: None,
            data: serde_json::json!({}),
        }
    }
    pub fn actor(mut self, id: UserId) -> Self {
        self.actor_id = Some(id);
        self
    }
    pub fn target(mut self, kind: &'a str, id: impl ToString) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id.to_string());
        self
    }
    pub fn ip(mut self, ip: Option<&'a str>) -> Self {
        self.ip = ip;
        self
    }
    /// The caller's IP and request id.
    pub fn from(mut self, client: &'a ClientInfo) -> Self {
        self.ip = client.ip.as_deref();
        self.request_id = client.request_id.as_deref();
        self
    }
    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}
