//! Automatic moderation (Discord AutoMod's model): rules from the runtime setting
//! `automod.rules`, compiled once per change (`rules.rs`), judging chat messages (and listing
//! and track text) as they are sent (`engine.rs`). A rule blocks, flags (the text goes through and
//! moderators get a case once it is stored) or times the user out; `pace.rs` counts sends for
//! flood rules and keeps timeouts, which reach every node as a node event.
//!
//! No feature is imported here: the chat policy and the settings use it; flags leave through a
//! queue that the reports feature drains.

pub mod engine;
pub mod model;
pub mod pace;
pub mod rules;

use engine::{RuleSet, Subject, Verdict};
use model::Surface;
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;
use veza_core::{MessageId, UserId};

/// What a flag names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlaggedTarget {
    Message(MessageId),
    Listing(Uuid),
    Track(Uuid),
}

/// Something a rule flagged, stored already.
#[derive(Debug, Clone)]
pub struct Flagged {
    pub target: FlaggedTarget,
    pub user: UserId,
    pub rule: String,
}

/// Where flags go (drained by the reports feature, which opens the cases); cheap to clone.
#[derive(Clone)]
pub struct FlagQueue(mpsc::UnboundedSender<Flagged>);

/// The receiving end, taken once by whoever opens the cases.
pub struct FlagInbox(pub mpsc::UnboundedReceiver<Flagged>);

pub fn flag_queue() -> (FlagQueue, FlagInbox) {
    let (tx, rx) = mpsc::unbounded_channel();
    (FlagQueue(tx), FlagInbox(rx))
}

/// Listing or track text through the rules, field by field: `Err(field)` when a rule refuses
/// one (a timeout refuses too; timing out is chat's), else the rule that flags, if any.
pub fn judge_fields(
    rules: &RuleSet,
    surface: Surface,
    user: UserId,
    roles: &[String],
    fields: &[(&'static str, &str)],
) -> Result<Option<Arc<str>>, &'static str> {
    if rules.is_empty() {
        return Ok(None);
    }
    let subject = Subject { surface, user, room: None, roles };
    let mut flag = None;
    for (field, text) in fields {
        match rules.judge(&subject, text, &|_| 0) {
            Verdict::Allow => {}
            Verdict::Flag(rule) => flag = flag.or(Some(rule)),
            Verdict::Block(_) | Verdict::Timeout(..) => return Err(field),
        }
    }
    Ok(flag)
}

impl FlagQueue {
    pub fn flag(&self, f: Flagged) {
        if self.0.send(f).is_err() {
            tracing::warn!("automod flag dropped: no one opens cases (the node is stopping)");
        }
    }
}
