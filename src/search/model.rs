//! What the index holds of an entity: its text, who may see it, and the signals ranking and
//! listing filters need. Built from PostgreSQL rows (`repo.rs`), written by `documents.rs`.

use super::changes::Kind;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who may see a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Everyone,
    /// Only these users (a draft's seller, a private track's owner, a private room's members).
    Only(Vec<Uuid>),
}

/// A listing's filterable fields (`GET /listings` from the index).
#[derive(Debug, Clone, PartialEq)]
pub struct ListingFacets {
    pub status: String,
    pub category: Uuid,
    pub condition: String,
    pub currency: String,
    pub price: i64,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub kind: Kind,
    pub id: Uuid,
    /// Weighted text: title over tags over body.
    pub title: String,
    pub tags: Vec<String>,
    pub body: String,
    pub access: Access,
    pub owner: Option<Uuid>,
    /// Plays, members, … (0 when the kind has none); ranking takes a mild log of it.
    pub popularity: f64,
    pub created: DateTime<Utc>,
    pub listing: Option<ListingFacets>,
}

impl Doc {
    /// `<kind>:<uuid>`, the document's key in the index.
    pub fn key(&self) -> String {
        key(self.kind, self.id)
    }
}

pub fn key(kind: Kind, id: Uuid) -> String {
    format!("{}:{id}", kind.as_str())
}
