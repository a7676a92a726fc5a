//! The words rules and their users share: what a matching rule does, and where rules apply.

use serde::{Deserialize, Serialize};

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// Refused (`message_rejected`; for a listing or a track, 422 on the field).
    Block,
    /// Let through, and a report case opened for moderators.
    Flag,
    /// Refused, and the user muted in every room for `timeout_secs` (`muted`).
    Timeout,
}

/// Where rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    /// Chat messages.
    Messages,
    /// Listing titles and descriptions.
    Listings,
    /// Track titles.
    Tracks,
}
