//! How this node applies node events (`infra::events`), its own and other nodes'.

use crate::auth::denylist::Denylist;
use crate::automod::pace::Timeouts;
use crate::db::DbPool;
use crate::infra::cache::ReadCache;
use crate::infra::events::NodeEvent;
use crate::settings::Settings;
use std::time::Duration;
use veza_core::UserId;

pub(super) fn applier(
    settings: Settings,
    pool: DbPool,
    denylist: Denylist,
    cache: ReadCache,
    timeouts: Timeouts,
) -> impl Fn(NodeEvent) + 'static {
    move |event| match event {
        NodeEvent::SettingsChanged { version } => {
            if version > settings.version() {
                let (s, p) = (settings.clone(), pool.clone());
                tokio::spawn(async move {
                    match s.refresh(&p).await {
                        Ok(_) => tracing::info!(version = s.version(), "settings reloaded (broadcast)"),
                        Err(e) => tracing::warn!(error = %e, "settings reload failed; the poll retries"),
                    }
                });
            }
        }
        NodeEvent::SessionRevoked { session, ttl_ms } => {
            denylist.apply_revocation(session, Duration::from_millis(ttl_ms))
        }
        NodeEvent::UserDenied { user, until } => denylist.apply_user_denial(user, until),
        NodeEvent::UserAllowed { user } => denylist.apply_user_allowance(user),
        NodeEvent::UserTimedOut { user, until } => timeouts.apply(UserId(user), until),
        NodeEvent::Invalidate { key } => cache.drop_local(&key),
    }
}
