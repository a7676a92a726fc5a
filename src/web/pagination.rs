//! `?limit=&cursor=` for every list: limit 1..=100 (default 20), cursors opaque to clients.

use super::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1 to 100, default 20.
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(20),
            Some(n @ 1..=100) => Ok(i64::from(n)),
            Some(_) => Err(ApiError::field("limit", "must be 1 to 100")),
        }
    }

    /// The cursor as a UUID (lists ordered by a UUIDv7 id); an empty one is no cursor.
    pub fn uuid_cursor(&self) -> Result<Option<uuid::Uuid>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| uuid::Uuid::parse_str(c).map_err(|_| ApiError::field("cursor", "not a cursor of this list")))
            .transpose()
    }

    /// The cursor as a numeric id (lists ordered by a BIGINT id).
    pub fn id_cursor(&self) -> Result<Option<i64>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| c.parse::<i64>().map_err(|_| ApiError::field("cursor", "not a cursor of this list")))
            .transpose()
    }
}

/// `{ items, next_cursor }`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
