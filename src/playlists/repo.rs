//! Playlist queries. Every change runs under the playlist row's lock and bumps its version.

use crate::db::schema::{playlist_tracks, playlists, tracks, users};
use crate::tracks::repo::TrackRow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use veza_core::{PlaylistId, TrackId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = playlists)]
pub struct PlaylistRow {
    pub id: PlaylistId,
    pub owner_id: UserId,
    pub name: String,
    pub public: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Hidden by a moderator: only its owner sees it.
    pub hidden_at: Option<DateTime<Utc>>,
}

impl PlaylistRow {
    /// Shown to anyone: public, and not hidden by a moderator.
    pub fn is_public(&self) -> bool {
        self.public && self.hidden_at.is_none()
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: PlaylistId,
    owner: UserId,
    name: &str,
    public: bool,
) -> QueryResult<PlaylistRow> {
    diesel::insert_into(playlists::table)
        .values((
            playlists::id.eq(id),
            playlists::owner_id.eq(owner),
            playlists::name.eq(name),
            playlists::public.eq(public),
        ))
        .returning(PlaylistRow::as_returning())
        .get_result(conn)
        .await
}

/// The playlist with its owner's username.
pub async fn get(conn: &mut AsyncPgConnection, id: PlaylistId) -> QueryResult<Option<(PlaylistRow, String)>> {
    playlists::table
        .inner_join(users::table)
        .filter(playlists::id.eq(id))
        .select((PlaylistRow::as_select(), users::username))
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut AsyncPgConnection, id: PlaylistId) -> QueryResult<Option<PlaylistRow>> {
    playlists::table.find(id).select(PlaylistRow::as_select()).for_update().first(conn).await.optional()
}

/// `owner`'s playlists, newest first (ids are UUIDv7: time ordered), below `before`.
pub async fn owned_page(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    before: Option<PlaylistId>,
    limit: i64,
) -> QueryResult<Vec<PlaylistRow>> {
    let mut q = playlists::table
        .filter(playlists::owner_id.eq(owner))
        .order(playlists::id.desc())
        .limit(limit)
        .select(PlaylistRow::as_select())
        .into_boxed();
    if let Some(id) = before {
        q = q.filter(playlists::id.lt(id));
    }
    q.load(conn).await
}

/// How many tracks each of `ids` holds (absent: none).
pub async fn track_counts(conn: &mut AsyncPgConnection, ids: &[PlaylistId]) -> QueryResult<Vec<(PlaylistId, i64)>> {
    playlist_tracks::table
        .filter(playlist_tracks::playlist_id.eq_any(ids))
        .group_by(playlist_tracks::playlist_id)
        .select((playlist_tracks::playlist_id, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Name and visibility, and the next version.
pub async fn update(conn: &mut AsyncPgConnection, id: PlaylistId, name: &str, public: bool) -> QueryResult<()> {
    diesel::update(playlists::table.find(id))
        .set((playlists::name.eq(name), playlists::public.eq(public)))
        .execute(conn)
        .await?;
    bump(conn, id).await
}

/// The next version (every change, whatever it was).
pub async fn bump(conn: &mut AsyncPgConnection, id: PlaylistId) -> QueryResult<()> {
    diesel::update(playlists::table.find(id))
        .set((playlists::version.eq(playlists::version + 1), playlists::updated_at.eq(Utc::now())))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn delete(conn: &mut AsyncPgConnection, id: PlaylistId) -> QueryResult<()> {
    diesel::delete(playlists::table.find(id)).execute(conn).await.map(|_| ())
}

/// The playlist's tracks in order: (key, track, owner username, added at).
pub async fn entries(
    conn: &mut AsyncPgConnection,
    id: PlaylistId,
) -> QueryResult<Vec<(String, TrackRow, String, DateTime<Utc>)>> {
    playlist_tracks::table
        .inner_join(tracks::table.inner_join(users::table))
        .filter(playlist_tracks::playlist_id.eq(id))
        .order(playlist_tracks::position.asc())
        .select((playlist_tracks::position, TrackRow::as_select(), users::username, playlist_tracks::added_at))
        .load(conn)
        .await
}

/// Keys and tracks in order (what an edit needs).
pub async fn keys(conn: &mut AsyncPgConnection, id: PlaylistId) -> QueryResult<Vec<(String, TrackId)>> {
    playlist_tracks::table
        .filter(playlist_tracks::playlist_id.eq(id))
        .order(playlist_tracks::position.asc())
        .select((playlist_tracks::position, playlist_tracks::track_id))
        .load(conn)
        .await
}

pub async fn add(conn: &mut AsyncPgConnection, id: PlaylistId, track: TrackId, key: &str) -> QueryResult<usize> {
    diesel::insert_into(playlist_tracks::table)
        .values((
            playlist_tracks::playlist_id.eq(id),
            playlist_tracks::track_id.eq(track),
            playlist_tracks::position.eq(key),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
}

pub async fn remove(conn: &mut AsyncPgConnection, id: PlaylistId, track: TrackId) -> QueryResult<usize> {
    diesel::delete(playlist_tracks::table.find((id, track))).execute(conn).await
}

/// Writes a whole new order: every row's key, in one statement per row (the unique key on
/// positions is checked at the end of each statement, so the new keys go to a fresh range).
pub async fn reorder(conn: &mut AsyncPgConnection, id: PlaylistId, order: &[(TrackId, String)]) -> QueryResult<()> {
    // Out of the way first: no new key can collide with an old one mid-way.
    diesel::sql_query("UPDATE playlist_tracks SET position = '~' || position WHERE playlist_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .execute(conn)
        .await?;
    for (track, key) in order {
        diesel::update(playlist_tracks::table.find((id, *track)))
            .set(playlist_tracks::position.eq(key))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A moderator hides the playlist (a report resolved with `remove_content`); false when it is gone.
pub async fn hide(conn: &mut AsyncPgConnection, id: PlaylistId) -> QueryResult<bool> {
    let n = diesel::update(playlists::table.find(id).filter(playlists::hidden_at.is_null()))
        .set(playlists::hidden_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(n == 1)
}
