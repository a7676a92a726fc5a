//! Signed anchors: every `audit.anchor_secs` a node signs the chain's head (sequence number and
//! hash) with the cluster's Ed25519 keys, writes it to `audit_anchors` and to its log. A tail cut
//! from the chain then leaves an anchor past its end; a chain rewritten by someone who can
//! disable the triggers is caught by an anchor kept outside the database (a log line), which
//! `veza admin audit verify --anchor <token>` checks.

use super::repo;
use crate::db::{DbPool, checkout};
use actix::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The tokens' own audience: an anchor is never an access token, nor the other way round.
pub const AUDIENCE: &str = "veza-audit-anchor";

/// What an anchor vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    pub seq: i64,
    /// The row's hash, hex.
    pub hash: String,
    /// The node that signed.
    pub node: String,
    /// When, in seconds since the epoch.
    pub iat: i64,
}

/// Why an anchor's signature was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorRefused {
    /// Its key is no longer kept (retired and forgotten): the signature cannot be checked.
    #[error("signed with a key no longer kept")]
    KeyGone,
    #[error("the signature does not verify")]
    Invalid,
}

/// The keys anchors are signed and checked with. The node's key ring implements it (`auth`):
/// the audit trail imports no feature.
pub trait AnchorKeys: Send + Sync {
    fn sign(&self, head: &SignedHead) -> Result<String, String>;
    fn open(&self, token: &str) -> Result<SignedHead, AnchorRefused>;
}

/// Signs the head when it moved since the last anchor (any node's).
pub async fn anchor_now(pool: &DbPool, keys: &dyn AnchorKeys, node: &str) -> Result<Option<SignedHead>, String> {
    let mut conn = checkout(pool).await.map_err(|e| e.to_string())?;
    let Some((seq, hash)) = repo::head(&mut conn).await.map_err(|e| e.to_string())? else { return Ok(None) };
    let last = repo::last_anchored(&mut conn).await.map_err(|e| e.to_string())?;
    if seq == 0 || last.is_some_and(|l| l >= seq) {
        return Ok(None);
    }
    let head = SignedHead { seq, hash: hex::encode(&hash), node: node.to_owned(), iat: chrono::Utc::now().timestamp() };
    let token = keys.sign(&head)?;
    repo::insert_anchor(&mut conn, seq, &hash, node, &token).await.map_err(|e| e.to_string())?;
    // The copy outside the database: ship these lines somewhere the database's owner cannot edit.
    tracing::info!(target: "veza::audit::anchor", seq, hash = %head.hash, token = %token, "audit chain head signed");
    Ok(Some(head))
}

/// The node's anchoring actor.
pub struct AuditAnchorer {
    pool: DbPool,
    keys: Arc<dyn AnchorKeys>,
    node: String,
    every: Duration,
}

impl AuditAnchorer {
    pub fn new(pool: DbPool, keys: Arc<dyn AnchorKeys>, node: String, every: Duration) -> Self {
        AuditAnchorer { pool, keys, node, every }
    }
}

impl Actor for AuditAnchorer {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.every, |this, ctx| {
            let (pool, keys, node) = (this.pool.clone(), this.keys.clone(), this.node.clone());
            ctx.spawn(
                async move {
                    if let Err(e) = anchor_now(&pool, keys.as_ref(), &node).await {
                        tracing::warn!(error = %e, "the audit chain's head was not signed this time");
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for AuditAnchorer {}
