//! A user's own activity history: services append (account events, friendships, later
//! listings and offers); the user reads it newest first.

use crate::db::schema::activity;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

mod repo;
pub use repo::{forget, list, record};

#[derive(Debug, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = activity)]
pub struct ActivityItem {
    pub id: i64,
    #[serde(skip)]
    pub user_id: Uuid,
    pub kind: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}
