//! `AdminService`: the admin area's reads and actions, one actor per worker like the others.

use super::model::AdminError;
use crate::audit::model::{AuditFilter, AuditRecord, Direction};
use crate::audit::{self, AuditEntry};
use crate::db::{PooledConn, checkout};
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::web::client::ClientInfo;
use actix::prelude::*;
use veza_core::UserId;

pub type AdminService = Service<AdminCore>;

pub struct AdminCore {
    pub(in crate::admin) state: AppState,
}

impl Core for AdminCore {
    fn new(state: AppState) -> Self {
        AdminCore { state }
    }
}

/// A page of the audit trail.
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<AuditRecord>, AdminError>")]
pub struct AuditPage {
    pub filter: AuditFilter,
    pub direction: Direction,
    pub limit: i64,
}

/// An admin took the trail away (the export): itself audited.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AdminError>")]
pub struct AuditExported {
    pub by: UserId,
    pub client: ClientInfo,
    pub filter: String,
}

crate::delegate_to_core!(AdminCore {
    AuditPage => audit_page,
    AuditExported => audit_exported,
});

impl AdminCore {
    pub(in crate::admin) async fn conn(&self) -> Result<PooledConn<'_>, AdminError> {
        Ok(checkout(&self.state.pool).await?)
    }

    pub async fn audit_page(&self, m: AuditPage) -> Result<Vec<AuditRecord>, AdminError> {
        let mut conn = self.conn().await?;
        Ok(audit::page(&mut conn, &m.filter, m.direction, m.limit).await?)
    }

    pub async fn audit_exported(&self, m: AuditExported) -> Result<(), AdminError> {
        let mut conn = self.conn().await?;
        let entry = AuditEntry::new("admin.audit_exported")
            .actor(m.by)
            .from(&m.client)
            .data(serde_json::json!({ "filter": m.filter }));
        Ok(audit::record(&mut conn, entry).await?)
    }
}
