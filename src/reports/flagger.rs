//! Cases opened by automatic moderation: each flag (`automod::Flagged`, sent once the flagged
//! text is stored) joins or opens the target's case with the content as the system sees it,
//! counts as one report, and new cases reach the staff live (`report.opened`).

use super::evidence;
use super::model::Target;
use super::repo;
use super::service::{OPENED, tell_staff};
use crate::automod::{FlagInbox, Flagged, FlaggedTarget};
use crate::chat::runtime::Realtime;
use crate::db::DbPool;
use diesel_async::AsyncConnection;
use serde_json::json;
use veza_core::{ListingId, TrackId};

/// Drains `inbox` on the node's runtime until the node stops.
pub fn start(mut inbox: FlagInbox, pool: DbPool, realtime: Realtime) {
    actix_rt::spawn(async move {
        while let Some(flag) = inbox.0.recv().await {
            if let Err(e) = open(&pool, &realtime, &flag).await {
                tracing::warn!(error = %e, rule = %flag.rule, user = %flag.user, "automod flag: no case opened");
            }
        }
    });
}

async fn open(pool: &DbPool, realtime: &Realtime, flag: &Flagged) -> Result<(), super::model::ReportError> {
    let target = match flag.target {
        FlaggedTarget::Message(id) => Target::Message(id),
        FlaggedTarget::Listing(id) => Target::Listing(ListingId(id)),
        FlaggedTarget::Track(id) => Target::Track(TrackId(id)),
    };
    let mut conn = crate::db::checkout(pool).await?;
    let snap = evidence::snapshot(&mut conn, target, None).await?;
    let rule = flag.rule.as_str();
    let (case, created) = conn
        .transaction::<_, super::model::ReportError, _>(async |conn| {
            let (case, created) = repo::open_case(conn, target, &snap).await?;
            repo::flag(conn, case, rule).await?;
            Ok((case, created))
        })
        .await?;
    if created {
        let data =
            json!({ "id": case, "target_type": target.kind(), "target_id": target.id_text(), "flagged_by": rule });
        tell_staff(&mut conn, realtime, OPENED, data).await;
    }
    Ok(())
}
