//! The reported thing as the reporter sees it: whose it is, and a copy of its content kept on
//! the case, so that an edit or a deletion cannot erase the evidence. Something the reporter
//! cannot see does not exist (404).

use super::model::{ReportError, Target};
use crate::auth::model::UserStatus;
use crate::{chat, listings, playlists, tracks, users};
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use veza_core::UserId;

/// Whose the content is, and its copy.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub owner: Option<UserId>,
    pub evidence: Value,
}

/// The target as `viewer` sees it now (`None`: the system, which sees everything and reports
/// no one's own content).
pub async fn snapshot(
    conn: &mut AsyncPgConnection,
    target: Target,
    viewer: Option<UserId>,
) -> Result<Snapshot, ReportError> {
    let sees = |owner: UserId, public: bool| public || viewer.is_none_or(|v| v == owner);
    let found = match target {
        Target::Message(id) => chat::removal::visible(conn, id, viewer).await?.map(|(room, m)| Snapshot {
            owner: Some(m.author.id),
            evidence: json!({
                "room": { "id": room.id, "name": room.name },
                "seq": m.seq,
                "author": { "id": m.author.id, "username": m.author.username },
                "body": m.body,
                "sent_at": m.sent_at,
            }),
        }),
        Target::Listing(id) => listings::repo::get(conn, id)
            .await?
            .filter(|(l, _)| sees(l.seller_id, l.status().is_public()))
            .map(|(l, seller)| Snapshot {
                owner: Some(l.seller_id),
                evidence: json!({
                    "title": l.title,
                    "description": l.description,
                    "price": { "amount": l.price_amount, "currency": l.currency },
                    "tags": l.tags,
                    "condition": l.condition,
                    "status": l.status,
                    "seller": { "id": l.seller_id, "username": seller },
                }),
            }),
        Target::Track(id) => tracks::repo::get(conn, id)
            .await?
            .filter(|(t, _)| viewer.is_none() || t.visible_to(viewer))
            .map(|(t, owner)| Snapshot {
                owner: Some(t.owner_id),
                evidence: json!({
                    "title": t.title,
                    "artist": t.artist,
                    "album": t.album,
                    "genre": t.genre,
                    "tags": t.tags,
                    "owner": { "id": t.owner_id, "username": owner },
                }),
            }),
        Target::Playlist(id) => playlists::repo::get(conn, id)
            .await?
            .filter(|(p, _)| sees(p.owner_id, p.is_public()))
            .map(|(p, owner)| Snapshot {
                owner: Some(p.owner_id),
                evidence: json!({ "name": p.name, "owner": { "id": p.owner_id, "username": owner } }),
            }),
        Target::User(id) => {
            users::repo::profile(conn, id).await?.filter(|p| p.status == UserStatus::Active).map(|p| Snapshot {
                owner: Some(p.id),
                evidence: json!({
                    "username": p.username,
                    "display_name": p.display_name,
                    "bio": p.bio,
                    "avatar_url": p.avatar_url,
                    "location": p.location,
                }),
            })
        }
    };
    let snap = found.ok_or(ReportError::NotFound)?;
    if viewer.is_some() && snap.owner == viewer {
        return Err(ReportError::invalid("target_id", "you cannot report yourself or your own content"));
    }
    Ok(snap)
}
