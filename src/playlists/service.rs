//! The playlists service: an actor per HTTP worker delegating to `PlaylistCore`. Every change
//! locks the playlist row, checks the version the client names (`If-Match`), writes, bumps the
//! version and, after the commit, pushes the playlist to its owner's connections
//! (`playlist.updated`), so two clients editing one playlist never lose an edit silently.

use super::keys;
use super::model::*;
use super::repo::{self, PlaylistRow};
use crate::db::{PooledConn, checkout};
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::tracks::repo as tracks_repo;
use crate::users::model::UserRef;
use actix::prelude::Message;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use std::collections::HashSet;
use veza_core::{Code, PlaylistId, TrackId, UserId};

pub struct PlaylistCore {
    pub state: AppState,
}

pub type PlaylistService = Service<PlaylistCore>;

impl Core for PlaylistCore {
    fn new(state: AppState) -> Self {
        PlaylistCore { state }
    }
}

#[derive(Debug, Message)]
#[rtype(result = "Result<PlaylistView, PlaylistError>")]
pub struct CreatePlaylist {
    pub user: UserId,
    pub body: NewPlaylist,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<PlaylistView, PlaylistError>")]
pub struct GetPlaylist {
    pub viewer: Option<UserId>,
    pub id: PlaylistId,
}

/// A change to a playlist, made against the version `if_match` names.
#[derive(Debug)]
pub enum Change {
    Edit(PlaylistPatch),
    Add(AddTrack),
    Remove(TrackId),
    Order(NewOrder),
}

#[derive(Debug, Message)]
#[rtype(result = "Result<PlaylistView, PlaylistError>")]
pub struct ChangePlaylist {
    pub user: UserId,
    pub id: PlaylistId,
    pub if_match: Option<String>,
    pub change: Change,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), PlaylistError>")]
pub struct DeletePlaylist {
    pub user: UserId,
    pub id: PlaylistId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<PlaylistSummaryPage, PlaylistError>")]
pub struct MyPlaylists {
    pub user: UserId,
    /// The page goes on below this playlist.
    pub before: Option<PlaylistId>,
    pub limit: i64,
}

crate::delegate_to_core!(PlaylistCore {
    MyPlaylists => mine,
    CreatePlaylist => create,
    GetPlaylist => get,
    ChangePlaylist => change,
    DeletePlaylist => delete,
});

/// The playlist as `user` may change it: others' private playlists do not exist, others'
/// public ones are 403.
fn owned(row: Option<PlaylistRow>, user: UserId) -> Result<PlaylistRow, PlaylistError> {
    let row = row.ok_or(PlaylistError::NotFound)?;
    if row.owner_id == user {
        Ok(row)
    } else if row.is_public() {
        Err(PlaylistError::not_allowed())
    } else {
        Err(PlaylistError::NotFound)
    }
}

/// `If-Match` against the current version; `required` for edits and whole orders.
fn check_version(current: i64, if_match: Option<&str>, required: bool) -> Result<(), PlaylistError> {
    let changed = || PlaylistError::from(PlaylistFault::Changed { current: etag(current) });
    match if_match {
        None if required => Err(PlaylistFault::PreconditionRequired.into()),
        None => Ok(()),
        Some(raw) => match parse_if_match(raw) {
            Some(None) => Ok(()),
            Some(Some(v)) if v == current => Ok(()),
            _ => Err(changed()),
        },
    }
}

impl PlaylistCore {
    async fn conn(&self) -> Result<PooledConn<'_>, PlaylistError> {
        Ok(checkout(&self.state.pool).await?)
    }

    /// The playlist as `viewer` sees it: a private track only to its own owner.
    async fn view(
        conn: &mut AsyncPgConnection,
        id: PlaylistId,
        viewer: Option<UserId>,
    ) -> Result<PlaylistView, PlaylistError> {
        let (row, owner) = repo::get(conn, id).await?.ok_or(PlaylistError::NotFound)?;
        if !row.is_public() && viewer != Some(row.owner_id) {
            return Err(PlaylistError::NotFound);
        }
        let tracks = repo::entries(conn, id)
            .await?
            .into_iter()
            .filter(|(_, t, _, _)| t.visible_to(viewer))
            .map(|(_, t, username, added_at)| PlaylistEntry { track: t.view(username), added_at })
            .collect();
        Ok(PlaylistView {
            id: row.id.uuid(),
            owner: UserRef { id: row.owner_id.uuid(), username: owner },
            name: row.name,
            public: row.public,
            version: row.version,
            tracks,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// The caller's own playlists (hidden ones included: they are still theirs), newest first.
    pub async fn mine(&self, m: MyPlaylists) -> Result<PlaylistSummaryPage, PlaylistError> {
        let mut conn = self.conn().await?;
        let mut rows = repo::owned_page(&mut conn, m.user, m.before, m.limit + 1).await?;
        let more = rows.len() as i64 > m.limit;
        rows.truncate(usize::try_from(m.limit).unwrap_or(0));
        let ids: Vec<PlaylistId> = rows.iter().map(|r| r.id).collect();
        let counts: std::collections::HashMap<PlaylistId, i64> =
            repo::track_counts(&mut conn, &ids).await?.into_iter().collect();
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(last.id.uuid().to_string()),
            _ => None,
        };
        let items = rows
            .into_iter()
            .map(|r| PlaylistSummary {
                id: r.id.uuid(),
                track_count: counts.get(&r.id).copied().unwrap_or(0),
                hidden: r.hidden_at.is_some(),
                name: r.name,
                public: r.public,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect();
        Ok(PlaylistSummaryPage { items, next_cursor })
    }

    fn push(&self, owner: UserId, data: serde_json::Value) {
        self.state.realtime.push_user(owner, "playlist.updated", data);
    }

    pub async fn create(&self, m: CreatePlaylist) -> Result<PlaylistView, PlaylistError> {
        let name = name(&m.body.name)?;
        let mut conn = self.conn().await?;
        let id = PlaylistId::new_v7();
        repo::insert(&mut conn, id, m.user, &name, m.body.public).await?;
        let view = Self::view(&mut conn, id, Some(m.user)).await?;
        self.push(m.user, json!(view));
        Ok(view)
    }

    pub async fn get(&self, m: GetPlaylist) -> Result<PlaylistView, PlaylistError> {
        let mut conn = self.conn().await?;
        Self::view(&mut conn, m.id, m.viewer).await
    }

    pub async fn change(&self, m: ChangePlaylist) -> Result<PlaylistView, PlaylistError> {
        let mut conn = self.conn().await?;
        let (user, id) = (m.user, m.id);
        conn.transaction::<_, PlaylistError, _>(async |conn| {
            let row = owned(repo::lock(conn, id).await?, user)?;
            let required = matches!(m.change, Change::Edit(_) | Change::Order(_));
            check_version(row.version, m.if_match.as_deref(), required)?;
            match m.change {
                Change::Edit(p) => {
                    let n = p.name.as_deref().map(name).transpose()?.unwrap_or(row.name.clone());
                    repo::update(conn, id, &n, p.public.unwrap_or(row.public)).await?;
                }
                Change::Add(a) => Self::add(conn, &row, user, a).await?,
                Change::Remove(track) => {
                    if repo::remove(conn, id, track).await? == 0 {
                        return Err(PlaylistError::NotFound);
                    }
                    repo::bump(conn, id).await?;
                }
                Change::Order(o) => Self::reorder(conn, id, o).await?,
            }
            Ok(())
        })
        .await?;
        let view = Self::view(&mut conn, id, Some(user)).await?;
        self.push(user, json!(view));
        Ok(view)
    }

    async fn add(
        conn: &mut AsyncPgConnection,
        row: &PlaylistRow,
        user: UserId,
        a: AddTrack,
    ) -> Result<(), PlaylistError> {
        let track = TrackId(a.track_id);
        // Only a track its owner may see goes in: another's private track does not exist.
        match tracks_repo::get(conn, track).await? {
            Some((t, _)) if t.visible_to(Some(user)) => {}
            _ => return Err(PlaylistError::invalid("track_id", "no such track")),
        }
        let current = repo::keys(conn, row.id).await?;
        if current.iter().any(|(_, t)| *t == track) {
            return Err(PlaylistError::conflict(Code::TrackInPlaylist, "the track is already in this playlist"));
        }
        if current.len() >= TRACKS_MAX {
            return Err(PlaylistError::conflict(Code::PlaylistFull, "a playlist holds at most 5000 tracks"));
        }
        if a.position.is_some_and(|p| usize::try_from(p).unwrap_or(usize::MAX) > TRACKS_MAX) {
            return Err(PlaylistError::invalid("position", "0 to 5000"));
        }
        let at = a.position.map_or(current.len(), |p| usize::try_from(p).unwrap_or(usize::MAX).min(current.len()));
        let key = match (at.checked_sub(1).and_then(|i| current.get(i)), current.get(at)) {
            (lo, Some((hi, _))) => keys::between(lo.map_or("", |(k, _)| k.as_str()), Some(hi)),
            (Some((lo, _)), None) => keys::after(lo),
            (None, None) => keys::after(""),
        };
        repo::add(conn, row.id, track, &key).await?;
        repo::bump(conn, row.id).await?;
        Ok(())
    }

    async fn reorder(conn: &mut AsyncPgConnection, id: PlaylistId, o: NewOrder) -> Result<(), PlaylistError> {
        let current: HashSet<TrackId> = repo::keys(conn, id).await?.into_iter().map(|(_, t)| t).collect();
        let asked: Vec<TrackId> = o.track_ids.into_iter().map(TrackId).collect();
        let distinct: HashSet<TrackId> = asked.iter().copied().collect();
        if distinct.len() != asked.len() || distinct != current {
            return Err(PlaylistError::conflict(
                Code::OrderMismatch,
                "the order must list every track of the playlist exactly once",
            ));
        }
        let order: Vec<(TrackId, String)> = asked.into_iter().zip(keys::sequence(distinct.len())).collect();
        repo::reorder(conn, id, &order).await?;
        repo::bump(conn, id).await?;
        Ok(())
    }

    pub async fn delete(&self, m: DeletePlaylist) -> Result<(), PlaylistError> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, PlaylistError, _>(async |conn| {
            let row = owned(repo::lock(conn, m.id).await?, m.user)?;
            repo::delete(conn, row.id).await?;
            Ok(())
        })
        .await?;
        self.push(m.user, json!({ "id": m.id, "deleted": true }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked_where_required() {
        assert!(matches!(
            check_version(3, None, true),
            Err(PlaylistError::Feature(PlaylistFault::PreconditionRequired))
        ));
        assert!(check_version(3, None, false).is_ok());
        assert!(check_version(3, Some("\"3\""), true).is_ok());
        assert!(check_version(3, Some("*"), true).is_ok());
        assert!(matches!(
            check_version(3, Some("\"2\""), true),
            Err(PlaylistError::Feature(PlaylistFault::Changed { .. }))
        ));
        assert!(matches!(
            check_version(3, Some("garbage"), false),
            Err(PlaylistError::Feature(PlaylistFault::Changed { .. }))
        ));
    }
}
