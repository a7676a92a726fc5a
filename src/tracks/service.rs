//! The tracks service: an actor per HTTP worker delegating to `TrackCore`. An upload arrives
//! spooled (hashed, sniffed, bounded: `spool.rs`); it is decoded on the blocking pool under a
//! node-wide permit (`tracks.processing_concurrency`), then stored and recorded in one
//! transaction under the owner's lock (quota, the same bytes twice) and the blob row's lock.

use super::blob_refs;
use super::limits;
use super::model::*;
use super::probe::{Limits, ProbeError, Probed};
use super::repo::{self, NewTrackRow, TrackRow};
use super::search::{self, TrackPage, TrackQuery};
use super::spool::Spooled;
use super::stream::{Representation, Source};
use super::sweeper;
use crate::activity;
use crate::automod::{self, model::Surface};
use crate::db::{PooledConn, checkout};
use crate::infra::blobs::BlobKey;
use crate::search::changes::Kind;
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::users::repo as users_repo;
use actix::prelude::Message;
use bytes::Bytes;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use veza_core::{TrackId, UploadId, UserId};

pub struct TrackCore {
    pub state: AppState,
    /// Listens this worker saw counted lately: their further ranges skip the database.
    pub(super) counted: super::listens::CountedListens,
}

/// The tracks service actor (one per HTTP worker).
pub type TrackService = Service<TrackCore>;

impl Core for TrackCore {
    fn new(state: AppState) -> Self {
        TrackCore { state, counted: Default::default() }
    }
}

/// Bytes `user` may still upload (their quota less what their tracks and uploads take).
#[derive(Debug, Message)]
#[rtype(result = "Result<u64, TrackError>")]
pub struct QuotaLeft {
    pub user: UserId,
}

/// A spooled upload to check, store and record.
#[derive(Debug, Message)]
#[rtype(result = "Result<Ingested, TrackError>")]
pub struct Ingest {
    pub user: UserId,
    /// The uploader's roles (automatic moderation's exemptions).
    pub roles: Vec<String>,
    pub spooled: Spooled,
    pub filename: Option<String>,
    pub meta: UploadMeta,
    /// The resumable upload these bytes came from: it stops counting against the quota in the
    /// track's transaction.
    pub releasing: Option<UploadId>,
}

/// The track an upload made, or the one the same bytes made before (`created: false`).
#[derive(Debug)]
pub struct Ingested {
    pub view: TrackView,
    pub created: bool,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TrackView, TrackError>")]
pub struct GetTrack {
    pub viewer: Option<UserId>,
    pub id: TrackId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TrackPage, TrackError>")]
pub struct ListTracks {
    pub viewer: Option<UserId>,
    pub query: TrackQuery,
    pub limit: i64,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TrackView, TrackError>")]
pub struct UpdateTrack {
    pub user: UserId,
    pub roles: Vec<String>,
    pub id: TrackId,
    pub patch: TrackPatch,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), TrackError>")]
pub struct DeleteTrack {
    pub user: UserId,
    pub id: TrackId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(WaveformView, String), TrackError>")]
pub struct GetWaveform {
    pub viewer: Option<UserId>,
    pub id: TrackId,
}

/// Where a track's audio (or cover) is, and how to describe it.
#[derive(Debug)]
pub struct Located {
    pub rep: Representation,
    pub source: Source,
    pub track: TrackRow,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Located, TrackError>")]
pub struct LocateAudio {
    pub viewer: Option<UserId>,
    pub id: TrackId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Located, TrackError>")]
pub struct LocateCover {
    pub viewer: Option<UserId>,
    pub id: TrackId,
    /// One of `cover::SIZES`, or the cover as stored.
    pub size: Option<u32>,
}

crate::delegate_to_core!(TrackCore {
    QuotaLeft => quota_left,
    Ingest => ingest,
    GetTrack => get,
    ListTracks => list,
    UpdateTrack => update,
    DeleteTrack => delete,
    GetWaveform => waveform,
    LocateAudio => locate_audio,
    LocateCover => locate_cover,
});

fn storage(e: impl std::fmt::Display) -> TrackError {
    TrackFault::Storage(e.to_string()).into()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The track as `user` may act on it: others' private tracks do not exist, others' public
/// ones are 403.
fn owned(row: Option<TrackRow>, user: UserId) -> Result<TrackRow, TrackError> {
    let row = row.ok_or(TrackError::NotFound)?;
    if row.owner_id == user {
        Ok(row)
    } else if row.is_public() {
        Err(TrackError::not_allowed())
    } else {
        Err(TrackError::NotFound)
    }
}

impl TrackCore {
    pub(super) async fn conn(&self) -> Result<PooledConn<'_>, TrackError> {
        Ok(checkout(&self.state.pool).await?)
    }

    fn limits(&self) -> Limits {
        let t = &self.state.config.tracks;
        Limits {
            max_channels: t.max_channels,
            max_sample_rate: t.max_sample_rate,
            decode_timeout: Duration::from_millis(t.decode_timeout_ms),
        }
    }

    async fn view(conn: &mut AsyncPgConnection, id: TrackId) -> Result<TrackView, TrackError> {
        let (row, owner) = repo::get(conn, id).await?.ok_or(TrackError::NotFound)?;
        Ok(row.view(owner))
    }

    /// The row and owner name, from the read cache when it has them.
    pub(super) async fn cached(&self, id: TrackId) -> Result<(TrackRow, String), TrackError> {
        let load = async {
            let mut conn = self.conn().await?;
            Ok::<_, TrackError>(repo::get(&mut conn, id).await?)
        };
        self.state.cache.get_or_load(&repo::cache_key(id), load).await?.ok_or(TrackError::NotFound)
    }

    /// A track `viewer` may see (others' private tracks are 404).
    pub(super) async fn visible(&self, viewer: Option<UserId>, id: TrackId) -> Result<(TrackRow, String), TrackError> {
        let (row, owner) = self.cached(id).await?;
        if row.visible_to(viewer) { Ok((row, owner)) } else { Err(TrackError::NotFound) }
    }

    pub async fn quota_left(&self, m: QuotaLeft) -> Result<u64, TrackError> {
        let mut conn = self.conn().await?;
        let used = u64::try_from(repo::bytes_used(&mut conn, m.user).await?).unwrap_or(0);
        Ok(limits::in_force(&self.state).quota_bytes.saturating_sub(used))
    }

    /// Decodes the spooled file on a low-priority thread, one of `processing_concurrency` at once.
    async fn process(&self, s: &Spooled) -> Result<Probed, TrackError> {
        let _permit = self.state.processing.acquire().await.map_err(storage)?;
        let (path, size, container, limits) = (s.file.path().to_owned(), s.size, s.container, self.limits());
        let started = std::time::Instant::now();
        let done = super::processor::decode(path, size, container, limits).await;
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, size, "track processed");
        match done {
            Some(Ok(p)) => Ok(p),
            Some(Err(ProbeError::Unsupported(why))) => Err(TrackFault::UnsupportedAudio(why).into()),
            Some(Err(ProbeError::Io(e))) => Err(storage(e)),
            None => Err(storage("the decoder thread did not answer")),
        }
    }

    pub async fn ingest(&self, m: Ingest) -> Result<Ingested, TrackError> {
        let Ingest { user, roles, spooled, filename, meta, releasing } = m;
        let sha = spooled.sha256_hex.clone();
        {
            let mut conn = self.conn().await?;
            if let Some(id) = repo::by_owner_and_blob(&mut conn, user, &sha).await? {
                return Ok(Ingested { view: Self::view(&mut conn, id).await?, created: false });
            }
        }
        let probed = self.process(&spooled).await?;
        let cover =
            probed.tags.cover.as_ref().map(|c| (sha256_hex(&c.bytes), c.content_type, Bytes::from(c.bytes.clone())));
        let title = meta
            .title
            .clone()
            .or_else(|| probed.tags.title.clone())
            .or_else(|| filename.as_deref().and_then(title_from_filename))
            .unwrap_or_else(|| "Untitled".to_owned());
        let flag = self.moderate(user, &roles, &title)?;
        let size = i64::try_from(spooled.size).map_err(storage)?;
        let row = new_row(user, &sha, cover.as_ref().map(|c| c.0.clone()), title, size, probed, meta);
        let quota = limits::in_force(&self.state).quota_bytes;
        let blobs = self.state.blobs.clone();
        let audio_key = BlobKey::for_sha256(&sha).ok_or_else(|| storage("bad hash"))?;
        let mut conn = self.conn().await?;
        let id = conn
            .transaction::<_, TrackError, _>(async |conn| {
                repo::lock_owner(conn, user).await?;
                if let Some(upload) = releasing {
                    super::tus::repo::delete(conn, upload, user).await?;
                }
                // The same bytes may have finished meanwhile in a parallel request.
                if let Some(id) = repo::by_owner_and_blob(conn, user, &sha).await? {
                    return Ok(Err(id));
                }
                let used = u64::try_from(repo::bytes_used(conn, user).await?).unwrap_or(0);
                if used.saturating_add(spooled.size) > quota {
                    return Err(TrackFault::QuotaExceeded { quota }.into());
                }
                let audio_stored = blob_refs::take(conn, &sha, size, content_type(&row.format)).await?;
                if let Some((cover_sha, cover_type, bytes)) = &cover {
                    let stored = blob_refs::take(conn, cover_sha, bytes.len() as i64, cover_type).await?;
                    let key = BlobKey::for_sha256(cover_sha).ok_or_else(|| storage("bad hash"))?;
                    if !stored || !blobs.exists(&key).await.map_err(storage)? {
                        blobs.put_bytes(&key, bytes.clone()).await.map_err(storage)?;
                    }
                }
                let inserted = repo::insert(conn, &row).await?;
                activity::record(
                    conn,
                    user,
                    "track.uploaded",
                    json!({ "track": inserted.id, "title": inserted.title }),
                )
                .await?;
                // Last, so only a failed commit can leave bytes without a row (the blob row
                // lock keeps the sweeper away meanwhile).
                if !audio_stored || !blobs.exists(&audio_key).await.map_err(storage)? {
                    blobs.adopt_file(&audio_key, spooled.file.path()).await.map_err(storage)?;
                }
                Ok(Ok(inserted.id))
            })
            .await?;
        match id {
            Ok(id) => {
                self.state.search.wrote(Kind::Track, id.uuid()).await;
                self.flag(id, user, flag);
                Ok(Ingested { view: Self::view(&mut conn, id).await?, created: true })
            }
            Err(existing) => Ok(Ingested { view: Self::view(&mut conn, existing).await?, created: false }),
        }
    }

    pub async fn get(&self, m: GetTrack) -> Result<TrackView, TrackError> {
        let (row, owner) = self.visible(m.viewer, m.id).await?;
        Ok(row.view(owner))
    }

    pub async fn list(&self, m: ListTracks) -> Result<TrackPage, TrackError> {
        let mut conn = self.state.reads.conn(m.viewer).await.map_err(TrackError::from)?;
        let owner = match m.query.owner.as_deref().filter(|o| !o.is_empty()) {
            // An unknown owner has no tracks: the nil id matches nothing.
            Some(key) => Some(users_repo::profile_by_key(&mut conn, key).await?.map_or(UserId::default(), |u| u.id)),
            None => None,
        };
        search::page(&mut conn, &m.query, owner, m.viewer, m.limit).await
    }

    pub async fn update(&self, m: UpdateTrack) -> Result<TrackView, TrackError> {
        let title_new = m.patch.title.as_deref().map(title).transpose()?;
        let flag = match &title_new {
            Some(t) => self.moderate(m.user, &m.roles, t)?,
            None => None,
        };
        let tags_new = m.patch.tags.as_deref().map(tags).transpose()?;
        let mut conn = self.conn().await?;
        conn.transaction::<_, TrackError, _>(async |conn| {
            let row = owned(repo::lock(conn, m.id).await?, m.user)?;
            let t = title_new.unwrap_or(row.title.clone());
            let g = tags_new.unwrap_or(row.tags.clone());
            let v = m.patch.visibility.unwrap_or(row.visibility);
            if (t.as_str(), &g, v) != (row.title.as_str(), &row.tags, row.visibility) {
                repo::update(conn, m.id, &t, &g, v).await?;
                activity::record(conn, m.user, "track.updated", json!({ "track": m.id, "title": t })).await?;
            }
            Ok(())
        })
        .await?;
        self.state.cache.invalidate(&repo::cache_key(m.id));
        self.state.search.wrote(Kind::Track, m.id.uuid()).await;
        self.flag(m.id, m.user, flag);
        Self::view(&mut conn, m.id).await
    }

    /// A title through the automatic moderation rules: 422 when a rule refuses it; the rule
    /// that flags, if any.
    fn moderate(&self, user: UserId, roles: &[String], title: &str) -> Result<Option<Arc<str>>, TrackError> {
        let rules = self.state.settings.automod();
        automod::judge_fields(&rules, Surface::Tracks, user, roles, &[("title", title)])
            .map_err(|field| TrackError::invalid(field, "breaks a moderation rule"))
    }

    /// After the commit: moderators get a case on a flagged track.
    fn flag(&self, id: TrackId, user: UserId, rule: Option<Arc<str>>) {
        if let Some(rule) = rule {
            let target = automod::FlaggedTarget::Track(id.uuid());
            self.state.flags.flag(automod::Flagged { target, user, rule: rule.to_string() });
        }
    }

    pub async fn delete(&self, m: DeleteTrack) -> Result<(), TrackError> {
        let mut conn = self.conn().await?;
        let released = conn
            .transaction::<_, TrackError, _>(async |conn| {
                let row = owned(repo::lock(conn, m.id).await?, m.user)?;
                // Playlists, favourites and plays go with the row (ON DELETE CASCADE).
                repo::delete(conn, row.id).await?;
                blob_refs::release(conn, &row.blob_sha256).await?;
                if let Some(c) = &row.cover_sha256 {
                    blob_refs::release(conn, c).await?;
                }
                activity::record(conn, m.user, "track.deleted", json!({ "track": row.id, "title": row.title })).await?;
                Ok([Some(row.blob_sha256), row.cover_sha256])
            })
            .await?;
        self.state.cache.invalidate(&repo::cache_key(m.id));
        self.state.search.wrote(Kind::Track, m.id.uuid()).await;
        // After the commit: the sweeper checks each again under its lock before removing it.
        for sha in released.iter().flatten() {
            if let Err(e) = sweeper::remove_if_orphaned(&mut conn, &self.state.blobs, sha).await {
                tracing::warn!(error = %e, "blob left for the sweeper");
            }
        }
        Ok(())
    }

    pub async fn waveform(&self, m: GetWaveform) -> Result<(WaveformView, String), TrackError> {
        let (row, _) = self.visible(m.viewer, m.id).await?;
        let mut conn = self.conn().await?;
        let (peaks, duration_ms) = repo::peaks(&mut conn, m.id).await?.ok_or(TrackError::NotFound)?;
        // The peaks never change after the upload: the audio's hash names them.
        let etag = format!("\"w-{}\"", &row.blob_sha256[..32.min(row.blob_sha256.len())]);
        Ok((WaveformView { points: peaks.len() / 2, peaks, duration_ms }, etag))
    }

    fn source(&self, sha: &str) -> Result<Source, TrackError> {
        let key = BlobKey::for_sha256(sha).ok_or_else(|| storage("bad hash"))?;
        Ok(match self.state.blobs.local_path(&key) {
            Some(path) => Source::File(path),
            None => Source::Store(self.state.blobs.clone(), key),
        })
    }

    pub async fn locate_audio(&self, m: LocateAudio) -> Result<Located, TrackError> {
        let (track, _) = self.visible(m.viewer, m.id).await?;
        let rep = Representation {
            len: u64::try_from(track.size_bytes).unwrap_or(0),
            etag: format!("\"{}\"", track.blob_sha256),
            last_modified: track.created_at,
            content_type: content_type(&track.format),
        };
        Ok(Located { rep, source: self.source(&track.blob_sha256)?, track })
    }

    pub async fn locate_cover(&self, m: LocateCover) -> Result<Located, TrackError> {
        let (track, _) = self.visible(m.viewer, m.id).await?;
        let sha = track.cover_sha256.clone().ok_or(TrackError::NotFound)?;
        let mut conn = self.conn().await?;
        let kind = blob_refs::content_type(&mut conn, &sha).await?.ok_or(TrackError::NotFound)?;
        let size = blob_refs::size(&mut conn, &sha).await?.unwrap_or(0);
        drop(conn);
        let (len, content_type, key, etag) = match m.size {
            None => {
                let key = BlobKey::for_sha256(&sha).ok_or_else(|| storage("bad hash"))?;
                let kind = if kind == "image/png" { "image/png" } else { "image/jpeg" };
                (u64::try_from(size).unwrap_or(0), kind, key, format!("\"{sha}\""))
            }
            Some(px) => {
                let (key, len, kind) = self.scaled_cover(&sha, px).await?;
                (len, kind, key, format!("\"{sha}-{px}\""))
            }
        };
        let source = match self.state.blobs.local_path(&key) {
            Some(path) => Source::File(path),
            None => Source::Store(self.state.blobs.clone(), key),
        };
        let rep = Representation { len, etag, last_modified: track.created_at, content_type };
        Ok(Located { rep, source, track })
    }

    /// The cover `sha` scaled to `px`: made once, then kept as a derived blob.
    async fn scaled_cover(&self, sha: &str, px: u32) -> Result<(BlobKey, u64, &'static str), TrackError> {
        let blobs = &self.state.blobs;
        for (ext, kind) in [("jpg", "image/jpeg"), ("png", "image/png")] {
            let key = BlobKey::derived_cover(sha, &format!("{px}.{ext}"));
            if let Some(len) = blobs.size(&key).await.map_err(storage)? {
                return Ok((key, len, kind));
            }
        }
        let original = BlobKey::for_sha256(sha).ok_or_else(|| storage("bad hash"))?;
        let len = blobs.size(&original).await.map_err(storage)?.ok_or(TrackError::NotFound)?;
        let bytes = blobs.read_range(&original, 0..len).await.map_err(storage)?;
        let scaled = tokio::task::spawn_blocking(move || super::cover::resize(&bytes, px)).await.map_err(storage)?;
        let (out, kind) = scaled.map_err(storage)?;
        let ext = if kind == "image/png" { "png" } else { "jpg" };
        let key = BlobKey::derived_cover(sha, &format!("{px}.{ext}"));
        let len = out.len() as u64;
        blobs.put_bytes(&key, Bytes::from(out)).await.map_err(storage)?;
        Ok((key, len, kind))
    }
}

/// The new track's row from what the upload said and what decoding learnt.
fn new_row(
    owner: UserId,
    sha: &str,
    cover_sha256: Option<String>,
    title: String,
    size_bytes: i64,
    p: Probed,
    meta: UploadMeta,
) -> NewTrackRow {
    NewTrackRow {
        id: TrackId::new_v7(),
        owner_id: owner,
        blob_sha256: sha.to_owned(),
        cover_sha256,
        title,
        artist: p.tags.artist,
        album: p.tags.album,
        year: p.tags.year,
        genre: p.tags.genre,
        track_number: p.tags.track_number,
        duration_ms: p.duration_ms,
        bitrate: i32::try_from(p.bitrate).unwrap_or(i32::MAX),
        sample_rate: i32::try_from(p.sample_rate).unwrap_or(i32::MAX),
        channels: i16::try_from(p.channels).unwrap_or(i16::MAX),
        codec: p.codec,
        format: p.format.to_owned(),
        size_bytes,
        loudness_lufs: p.loudness_lufs,
        visibility: meta.visibility.unwrap_or(Visibility::Public),
        tags: meta.tags,
        peaks: p.peaks,
    }
}
