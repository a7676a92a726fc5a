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

/// The target as `viewer` sees it now.
pub async fn snapshot(conn: &mut AsyncPgConnection, target: Target, viewer: UserId) -> Result<Snapshot, ReportError> {
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
            .filter(|(l, _)| l.status().is_public() || l.seller_id == viewer)
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
        Target::Track(id) => {
            tracks::repo::get(conn, id).await?.filter(|(t, _)| t.visible_to(Some(viewer))).map(|(t, owner)| Snapshot {
                owner: Some(t.owner_id),
                evidence: json!({
                    "title": t.title,
                    "artist": t.artist,
                    "album": t.album,
                    "genre": t.genre,
                    "tags": t.tags,
                    "owner": { "id": t.owner_id, "username": owner },
                }),
            })
        }
        Target::Playlist(id) => playlists::repo::get(conn, id)
            .await?
            .filter(|(p, _)| p.is_public() || p.owner_id == viewer)
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
    if snap.owner == Some(viewer) {
        return Err(ReportError::invalid("target_id", "you cannot report yourself or your own content"));
    }
    Ok(snap)
}
