//! Track queries. Peaks are read only by the waveform route (they are 3,600 numbers a track).

use super::model::{TrackView, Visibility};
use crate::db::schema::{favorites, plays, tracks, users};
use crate::users::model::UserRef;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use veza_core::{TrackId, UserId};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = tracks)]
pub struct TrackRow {
    pub id: TrackId,
    pub owner_id: UserId,
    pub blob_sha256: String,
    pub cover_sha256: Option<String>,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    pub duration_ms: i64,
    pub bitrate: i32,
    pub sample_rate: i32,
    pub channels: i16,
    pub codec: String,
    pub format: String,
    pub size_bytes: i64,
    pub loudness_lufs: Option<f32>,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub plays: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Hidden by a moderator: only its owner sees it.
    #[serde(default)]
    pub hidden_at: Option<DateTime<Utc>>,
}

impl TrackRow {
    /// Whether `viewer` may see it: public tracks (not hidden by a moderator) to anyone, the
    /// others to their owner.
    pub fn visible_to(&self, viewer: Option<UserId>) -> bool {
        self.is_public() || viewer == Some(self.owner_id)
    }

    /// Shown to anyone: public, and not hidden by a moderator.
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public && self.hidden_at.is_none()
    }

    pub fn view(self, owner_username: String) -> TrackView {
        TrackView {
            id: self.id.uuid(),
            owner: UserRef { id: self.owner_id.uuid(), username: owner_username },
            title: self.title,
            artist: self.artist,
            album: self.album,
            year: self.year,
            genre: self.genre,
            track_number: self.track_number,
            duration_ms: self.duration_ms,
            bitrate: self.bitrate,
            sample_rate: self.sample_rate,
            channels: self.channels,
            codec: self.codec,
            format: self.format,
            size_bytes: self.size_bytes,
            loudness_lufs: self.loudness_lufs,
            has_cover: self.cover_sha256.is_some(),
            visibility: self.visibility,
            tags: self.tags,
            plays: self.plays,
            created_at: self.created_at,
        }
    }
}

/// A new track's columns (everything the upload learnt).
#[derive(Debug, Insertable)]
#[diesel(table_name = tracks)]
pub struct NewTrackRow {
    pub id: TrackId,
    pub owner_id: UserId,
    pub blob_sha256: String,
    pub cover_sha256: Option<String>,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    pub duration_ms: i64,
    pub bitrate: i32,
    pub sample_rate: i32,
    pub channels: i16,
    pub codec: String,
    pub format: String,
    pub size_bytes: i64,
    pub loudness_lufs: Option<f32>,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub peaks: Vec<f32>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &NewTrackRow) -> QueryResult<TrackRow> {
    diesel::insert_into(tracks::table).values(row).returning(TrackRow::as_returning()).get_result(conn).await
}

/// A track with its owner's username.
pub async fn get(conn: &mut AsyncPgConnection, id: TrackId) -> QueryResult<Option<(TrackRow, String)>> {
    tracks::table
        .inner_join(users::table)
        .filter(tracks::id.eq(id))
        .select((TrackRow::as_select(), users::username))
        .first(conn)
        .await
        .optional()
}

/// Tracks by id with their owners' usernames, owners active only (search results).
/// Takes a shared connection so that it can go down one pipelined with others.
pub async fn many(mut conn: &AsyncPgConnection, ids: &[uuid::Uuid]) -> QueryResult<Vec<(TrackRow, String)>> {
    tracks::table
        .inner_join(users::table)
        .filter(tracks::id.eq_any(ids.iter().map(|id| TrackId(*id)).collect::<Vec<_>>()))
        .filter(users::status.eq(crate::auth::model::UserStatus::Active))
        .select((TrackRow::as_select(), users::username))
        .load(&mut conn)
        .await
}

/// The read-cache key of a track (its row and owner name); every write invalidates it.
pub fn cache_key(id: TrackId) -> String {
    format!("track:{id}")
}

/// The owner's track with these bytes, if any (the same upload twice is one track).
pub async fn by_owner_and_blob(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    sha256: &str,
) -> QueryResult<Option<TrackId>> {
    tracks::table
        .filter(tracks::owner_id.eq(owner))
        .filter(tracks::blob_sha256.eq(sha256))
        .select(tracks::id)
        .first(conn)
        .await
        .optional()
}

/// Whether `owner` owns track `id`.
pub async fn owned_by(conn: &mut AsyncPgConnection, id: TrackId, owner: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(tracks::table.find(id).filter(tracks::owner_id.eq(owner))))
        .get_result(conn)
        .await
}

/// Locks the track row until the transaction ends.
pub async fn lock(conn: &mut AsyncPgConnection, id: TrackId) -> QueryResult<Option<TrackRow>> {
    tracks::table.find(id).select(TrackRow::as_select()).for_update().first(conn).await.optional()
}

/// The owner's edits (the caller validated them).
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: TrackId,
    title: &str,
    tags: &[String],
    visibility: Visibility,
) -> QueryResult<TrackRow> {
    diesel::update(tracks::table.find(id))
        .set((
            tracks::title.eq(title),
            tracks::tags.eq(tags),
            tracks::visibility.eq(visibility),
            tracks::updated_at.eq(Utc::now()),
        ))
        .returning(TrackRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: TrackId) -> QueryResult<()> {
    diesel::delete(tracks::table.find(id)).execute(conn).await.map(|_| ())
}

#[derive(QueryableByName)]
struct Used {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    bytes: i64,
}

/// Bytes counted against `owner`'s quota: their tracks and their unfinished uploads.
pub async fn bytes_used(conn: &mut AsyncPgConnection, owner: UserId) -> QueryResult<i64> {
    let used: Used = diesel::sql_query(
        "SELECT ((SELECT coalesce(sum(size_bytes), 0) FROM tracks WHERE owner_id = $1) \
               + (SELECT coalesce(sum(size_bytes), 0) FROM uploads WHERE owner_id = $1))::bigint AS bytes",
    )
    .bind::<diesel::sql_types::Uuid, _>(owner)
    .get_result(conn)
    .await?;
    Ok(used.bytes)
}

/// Serialises `owner`'s uploads until the transaction ends (the quota check and the insert).
pub async fn lock_owner(conn: &mut AsyncPgConnection, owner: UserId) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('veza.tracks.owner:' || $1::text, 0))")
        .bind::<diesel::sql_types::Uuid, _>(owner)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The track's peaks and duration (the waveform), with its last change.
pub async fn peaks(conn: &mut AsyncPgConnection, id: TrackId) -> QueryResult<Option<(Vec<f32>, i64)>> {
    tracks::table.find(id).select((tracks::peaks, tracks::duration_ms)).first(conn).await.optional()
}

/// Marks `track` a favourite of `user` (again is nothing new).
pub async fn favorite(conn: &mut AsyncPgConnection, user: UserId, track: TrackId) -> QueryResult<()> {
    diesel::insert_into(favorites::table)
        .values((favorites::user_id.eq(user), favorites::track_id.eq(track)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn unfavorite(conn: &mut AsyncPgConnection, user: UserId, track: TrackId) -> QueryResult<()> {
    diesel::delete(favorites::table.find((user, track))).execute(conn).await.map(|_| ())
}

/// `user`'s favourites they may still see, newest first, after `before` (time, track).
pub async fn favorites_page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    before: Option<(DateTime<Utc>, TrackId)>,
    limit: i64,
) -> QueryResult<Vec<(TrackRow, String, DateTime<Utc>)>> {
    let mut q = favorites::table
        .inner_join(tracks::table.inner_join(users::table))
        .filter(favorites::user_id.eq(user))
        .filter(
            tracks::visibility.eq(Visibility::Public).and(tracks::hidden_at.is_null()).or(tracks::owner_id.eq(user)),
        )
        .order((favorites::created_at.desc(), favorites::track_id.desc()))
        .limit(limit)
        .select((TrackRow::as_select(), users::username, favorites::created_at))
        .into_boxed();
    if let Some((at, id)) = before {
        q = q.filter(favorites::created_at.lt(at).or(favorites::created_at.eq(at).and(favorites::track_id.lt(id))));
    }
    q.load(conn).await
}

/// One counted play: the listener's history (when a user) and the track's counter.
pub async fn record_play(conn: &mut AsyncPgConnection, user: Option<UserId>, track: TrackId) -> QueryResult<()> {
    if let Some(user) = user {
        diesel::insert_into(plays::table)
            .values((plays::user_id.eq(user), plays::track_id.eq(track)))
            .execute(conn)
            .await?;
    }
    diesel::update(tracks::table.find(track)).set(tracks::plays.eq(tracks::plays + 1)).execute(conn).await.map(|_| ())
}

/// `user`'s plays of tracks they may still see, newest first, before play `before`.
pub async fn history_page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(i64, DateTime<Utc>, TrackRow, String)>> {
    let mut q = plays::table
        .inner_join(tracks::table.inner_join(users::table))
        .filter(plays::user_id.eq(user))
        .filter(
            tracks::visibility.eq(Visibility::Public).and(tracks::hidden_at.is_null()).or(tracks::owner_id.eq(user)),
        )
        .order(plays::id.desc())
        .limit(limit)
        .select((plays::id, plays::played_at, TrackRow::as_select(), users::username))
        .into_boxed();
    if let Some(id) = before {
        q = q.filter(plays::id.lt(id));
    }
    q.load(conn).await
}

/// A moderator hides the track (a report resolved with `remove_content`); false when it is gone.
pub async fn hide(conn: &mut AsyncPgConnection, id: TrackId) -> QueryResult<bool> {
    let n = diesel::update(tracks::table.find(id).filter(tracks::hidden_at.is_null()))
        .set(tracks::hidden_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(n == 1)
}
