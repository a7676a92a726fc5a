//! What a resolution does, in the case's transaction (`carry_out`), and what every node hears
//! of it once committed (`announce`): a message deleted in its live room, a listing `removed`
//! with its offers ended, a track or playlist hidden, a profile's text cleared, a warning kept
//! and pushed, a suspension or a ban through the admin users' rules.

use super::model::{Action, CheckedResolve, ReportError, Target};
use super::repo::CaseRow;
use crate::admin::users::model::{Acting, CheckedPatch};
use crate::admin::users::service as standing;
use crate::auth::model::UserStatus;
use crate::chat::removal::{self as messages, Deletion};
use crate::error::DomainError;
use crate::listings::removal::{self as listing_removal, Removal};
use crate::search::changes::Kind;
use crate::state::AppState;
use crate::web::client::ClientInfo;
use crate::{playlists, tracks, users};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use veza_core::{Code, PlaylistId, TrackId, UserId};

/// What a resolution changed, to announce after the commit.
#[derive(Debug)]
pub enum Effect {
    Nothing,
    MessageDeleted(Deletion),
    ListingRemoved(Removal),
    TrackHidden(TrackId),
    PlaylistHidden(PlaylistId),
    ProfileCleared(UserId),
    Warned { user: UserId, note: Option<String> },
    Standing(standing::Changed),
}

/// Pushed to a warned user.
pub const WARNING: &str = "moderation.warning";

/// Carries out `res` on the case's target, by `by`.
pub async fn carry_out(
    conn: &mut AsyncPgConnection,
    case: &CaseRow,
    by: Acting,
    res: &CheckedResolve,
    client: &ClientInfo,
) -> Result<Effect, ReportError> {
    let target = case.target().ok_or(ReportError::NotFound)?;
    let owner = case.target_owner.map(UserId);
    let owner_needed = || ReportError::invalid("action", "the reported content has no owner left to act on");
    Ok(match res.action {
        Action::Dismiss => Effect::Nothing,
        Action::RemoveContent => remove(conn, target, by.id).await?,
        Action::Warn => {
            let user = owner.ok_or_else(owner_needed)?;
            super::repo::warn(conn, user, case.id, by.id, res.note.as_deref()).await?;
            Effect::Warned { user, note: res.note.clone() }
        }
        Action::SuspendUser | Action::BanUser => {
            if res.action == Action::BanUser && !by.admin {
                return Err(ReportError::forbidden(Code::Forbidden, "bans are for admins"));
            }
            let user = owner.ok_or_else(owner_needed)?;
            let (status, until) = match res.action {
                Action::BanUser => (UserStatus::Banned, None),
                _ => (UserStatus::Suspended, res.duration.map(|d| Utc::now() + d)),
            };
            let patch = CheckedPatch {
                roles: None,
                status: Some(status),
                suspended_until: until,
                reason: res.note.clone().or_else(|| Some(format!("report {}", case.id))),
            };
            match standing::change(conn, by, user, &patch, client).await.map_err(from_admin)? {
                Some(changed) => Effect::Standing(changed),
                None => Effect::Nothing,
            }
        }
    })
}

/// `remove_content`, by the target's kind; content already gone is nothing to do.
async fn remove(conn: &mut AsyncPgConnection, target: Target, by: UserId) -> Result<Effect, ReportError> {
    Ok(match target {
        Target::Message(id) => messages::remove(conn, id, by).await?.map_or(Effect::Nothing, Effect::MessageDeleted),
        Target::Listing(id) => match listing_removal::remove(conn, id, by).await {
            Ok(r) => Effect::ListingRemoved(r),
            Err(DomainError::NotFound) => Effect::Nothing,
            Err(e) => return Err(e.map_feature(|f| ReportError::conflict(Code::InvalidTransition, f.to_string()))),
        },
        Target::Track(id) => {
            if tracks::repo::hide(conn, id).await? {
                Effect::TrackHidden(id)
            } else {
                Effect::Nothing
            }
        }
        Target::Playlist(id) => {
            if playlists::repo::hide(conn, id).await? {
                Effect::PlaylistHidden(id)
            } else {
                Effect::Nothing
            }
        }
        Target::User(id) => {
            if users::repo::clear_profile(conn, id).await? {
                Effect::ProfileCleared(id)
            } else {
                Effect::Nothing
            }
        }
    })
}

fn from_admin(e: crate::admin::model::AdminError) -> ReportError {
    e.map_feature(|never| match never {})
}

/// After the commit: every node, cache and live connection concerned hears it.
pub async fn announce(state: &AppState, conn: &mut AsyncPgConnection, effect: &Effect) {
    match effect {
        Effect::Nothing => {}
        Effect::MessageDeleted(d) => messages::announce(&state.realtime, d).await,
        Effect::ListingRemoved(r) => listing_removal::announce(state, conn, r).await,
        Effect::TrackHidden(id) => {
            state.cache.invalidate(&tracks::repo::cache_key(*id));
            state.search.wrote(Kind::Track, id.uuid()).await;
        }
        Effect::PlaylistHidden(_) => {}
        Effect::ProfileCleared(id) => {
            state.cache.invalidate(&users::model::profile_cache_key(&id.to_string()));
            if let Ok(Some(name)) = users::repo::username(conn, *id).await {
                state.cache.invalidate(&users::model::profile_cache_key(&name));
            }
            state.search.wrote(Kind::User, id.uuid()).await;
        }
        Effect::Warned { user, note } => state.realtime.push_user(*user, WARNING, json!({ "note": note })),
        Effect::Standing(changed) => standing::announce(state, changed),
    }
}
