//! The runtime config on `AdminService`. A change is checked whole (known keys, valid values,
//! none pinned), stored as one version, audited with its diff, applied here at once and told to
//! every node (`SettingsChanged` over the broker; without it, each node's version poll).

use super::model::*;
use crate::admin::model::AdminError;
use crate::admin::service::AdminCore;
use crate::audit::{self, AuditEntry};
use crate::infra::events::NodeEvent;
use crate::settings::{self, Settings, Version};
use crate::users::model::UserRef;
use crate::web::client::ClientInfo;
use actix::Message;
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;
use veza_core::UserId;

/// The config now.
#[derive(Debug, Message)]
#[rtype(result = "Result<ConfigView, AdminError>")]
pub struct GetConfig;

/// Change some keys.
#[derive(Debug, Message)]
#[rtype(result = "Result<ConfigView, AdminError>")]
pub struct PutConfig {
    pub by: UserId,
    pub changes: Vec<(String, Option<Value>)>,
    pub client: ClientInfo,
}

/// Versions, newest first.
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<ConfigVersion>, AdminError>")]
pub struct ConfigHistory {
    pub before: Option<i64>,
    pub limit: i64,
}

/// Restore the config as it was at `version` (a new version; pinned keys are left alone).
#[derive(Debug, Message)]
#[rtype(result = "Result<ConfigView, AdminError>")]
pub struct Rollback {
    pub by: UserId,
    pub version: i64,
    pub client: ClientInfo,
}

crate::delegate_to_core!(AdminCore {
    GetConfig => get_config,
    PutConfig => put_config,
    ConfigHistory => config_history,
    Rollback => rollback,
});

impl AdminCore {
    pub async fn get_config(&self, _: GetConfig) -> Result<ConfigView, AdminError> {
        let mut conn = self.conn().await?;
        view(&mut conn, &self.state.settings).await
    }

    pub async fn put_config(&self, m: PutConfig) -> Result<ConfigView, AdminError> {
        let mut conn = self.conn().await?;
        let settings = &self.state.settings;
        let changed = settings.apply(&mut conn, &m.changes, Some(m.by.uuid()), None).await.map_err(refusal)?;
        self.changed(&mut conn, changed, m.by, &m.client, "config.changed").await?;
        view(&mut conn, settings).await
    }

    pub async fn config_history(&self, m: ConfigHistory) -> Result<Vec<ConfigVersion>, AdminError> {
        let mut conn = self.conn().await?;
        let versions = settings::repo::history(&mut conn, m.before, m.limit).await?;
        let people: Vec<Uuid> = versions.iter().filter_map(|v| v.changed_by).collect();
        let names = names(&mut conn, &people).await?;
        Ok(versions
            .into_iter()
            .map(|v| ConfigVersion {
                version: v.version,
                changed_by: v.changed_by.and_then(|id| names.get(&id).map(|n| UserRef { id, username: n.clone() })),
                changed_at: v.changed_at,
                rollback_of: v.rollback_of,
                changes: v.changes.into_iter().map(|c| ConfigChange { key: c.key, from: c.from, to: c.to }).collect(),
            })
            .collect())
    }

    pub async fn rollback(&self, m: Rollback) -> Result<ConfigView, AdminError> {
        let mut conn = self.conn().await?;
        let settings = &self.state.settings;
        let then = settings::repo::state_at(&mut conn, m.version).await?.ok_or(AdminError::NotFound)?;
        let locked = settings.locked();
        let mut wanted: Vec<(String, Option<Value>)> =
            then.into_iter().filter(|(k, _)| !locked.contains_key(k) && settings::keys::known(k).is_some()).collect();
        wanted.sort_by(|a, b| a.0.cmp(&b.0));
        let changed = settings.apply(&mut conn, &wanted, Some(m.by.uuid()), Some(m.version)).await.map_err(refusal)?;
        self.changed(&mut conn, changed, m.by, &m.client, "config.rolled_back").await?;
        view(&mut conn, settings).await
    }

    /// Audits a change and tells every node.
    async fn changed(
        &self,
        conn: &mut AsyncPgConnection,
        changed: Option<Version>,
        by: UserId,
        client: &ClientInfo,
        action: &str,
    ) -> Result<(), AdminError> {
        let Some(v) = changed else { return Ok(()) };
        self.state.realtime.bus.publish(NodeEvent::SettingsChanged { version: v.version });
        let changes: Vec<Value> =
            v.changes.iter().map(|c| json!({ "key": c.key, "from": c.from, "to": c.to })).collect();
        let entry = AuditEntry::new(action)
            .actor(by)
            .target("config", v.version)
            .from(client)
            .data(json!({ "version": v.version, "rollback_of": v.rollback_of, "changes": changes }));
        Ok(audit::record(conn, entry).await?)
    }
}

/// Every known key as it stands on this node (its cache is reloaded by every change made here).
async fn view(conn: &mut AsyncPgConnection, settings: &Settings) -> Result<ConfigView, AdminError> {
    let stored: HashMap<String, settings::SettingRow> =
        Settings::all(conn).await?.into_iter().map(|r| (r.key.clone(), r)).collect();
    let people: Vec<Uuid> = stored.values().filter_map(|r| r.updated_by).collect();
    let names = names(conn, &people).await?;
    let version = settings::repo::newest_version(conn).await?.unwrap_or(0);
    let items = settings::KNOWN
        .iter()
        .map(|k| {
            let row = stored.get(k.key);
            let pinned = settings.locked().get(k.key);
            let value = pinned.or(row.map(|r| &r.value)).cloned().unwrap_or_else(k.default);
            SettingView {
                key: k.key.to_owned(),
                description: k.description.to_owned(),
                value,
                is_default: pinned.is_none() && row.is_none(),
                locked: pinned.is_some(),
                version: row.map(|r| r.version),
                updated_by: row
                    .and_then(|r| r.updated_by)
                    .and_then(|id| names.get(&id).map(|n| UserRef { id, username: n.clone() })),
                updated_at: row.map(|r| r.updated_at),
            }
        })
        .collect();
    Ok(ConfigView { version, settings: items })
}

async fn names(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, AdminError> {
    Ok(crate::users::repo::usernames(conn, ids).await?.into_iter().collect())
}
