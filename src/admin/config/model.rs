//! The runtime config as admins see and change it.

use crate::admin::model::AdminError;
use crate::settings::{SettingsError, keys};
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use veza_core::Code;

/// Every known key, its effective value and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigView {
    /// The newest version (0: nothing was ever changed).
    pub version: i64,
    pub settings: Vec<SettingView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingView {
    pub key: String,
    pub description: String,
    /// What applies now: the pinned value, else the stored one, else the default.
    #[schema(schema_with = any_value)]
    pub value: Value,
    /// Not set: the default applies.
    pub is_default: bool,
    /// Pinned by the operator through `VEZA_SETTING__…`: a change is 409 `setting_locked`.
    pub locked: bool,
    /// The version that last set it.
    pub version: Option<i64>,
    pub updated_by: Option<UserRef>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// `PUT /admin/config`: `{key: value}` for each key to change; `null` unsets a key (its
/// default applies again).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ConfigPatch(pub BTreeMap<String, Value>);

/// One key's change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigChange {
    pub key: String,
    /// `null`: it was not set.
    #[schema(schema_with = any_value)]
    pub from: Option<Value>,
    /// `null`: unset (back to the default).
    #[schema(schema_with = any_value)]
    pub to: Option<Value>,
}

/// Any JSON value (each key has its own shape).
fn any_value() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::AnyValue).build()
}

/// One version of the config: who changed what.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigVersion {
    pub version: i64,
    pub changed_by: Option<UserRef>,
    pub changed_at: DateTime<Utc>,
    /// The version this one restored, for a rollback.
    pub rollback_of: Option<i64>,
    pub changes: Vec<ConfigChange>,
}

impl ConfigPatch {
    /// The changes, in key order; 422 when there are none.
    pub fn changes(self) -> Result<Vec<(String, Option<Value>)>, AdminError> {
        if self.0.is_empty() {
            return Err(AdminError::invalid("settings", "name at least one key to change"));
        }
        Ok(self.0.into_iter().map(|(k, v)| (k, (!v.is_null()).then_some(v))).collect())
    }
}

/// How a refused change answers.
pub fn refusal(e: SettingsError) -> AdminError {
    match e {
        SettingsError::Unknown(key) => AdminError::invalid("settings", format!("unknown setting `{key}`")),
        SettingsError::Invalid(key, why) => match keys::known(&key) {
            Some(k) => AdminError::invalid(k.key, why),
            None => AdminError::invalid("settings", format!("{key}: {why}")),
        },
        SettingsError::Locked(key) => AdminError::conflict(
            Code::SettingLocked,
            format!("`{key}` is pinned by the operator (VEZA_SETTING__…) and cannot be changed here"),
        ),
        SettingsError::Db(e) => e.into(),
    }
}
