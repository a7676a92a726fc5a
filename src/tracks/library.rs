//! A listener's library: favourites, listening history, counted plays, signed stream links, and
//! "now playing" for friends. Messages of the tracks service, handled by `TrackCore`.

use super::listens;
use super::model::*;
use super::repo;
use super::search::TrackPage;
use super::service::TrackCore;
use super::signed;
use crate::users::repo as users_repo;
use actix::prelude::Message;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::json;
use veza_core::{TrackId, UserId};

/// Favourite (`on`) or not: the same answer however often it is asked.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), TrackError>")]
pub struct SetFavorite {
    pub user: UserId,
    pub id: TrackId,
    pub on: bool,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<TrackPage, TrackError>")]
pub struct Favorites {
    pub user: UserId,
    pub cursor: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<HistoryPage, TrackError>")]
pub struct History {
    pub user: UserId,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// A signed stream link for `user`.
#[derive(Debug, Message)]
#[rtype(result = "Result<StreamUrl, TrackError>")]
pub struct IssueStreamUrl {
    pub user: UserId,
    pub id: TrackId,
}

/// Bytes of a track a listener was sent (reported when a stream response ends).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Listened {
    /// `user:<id>` or `ip:<address>`.
    pub listener: String,
    pub user: Option<UserId>,
    pub id: TrackId,
    pub bytes: u64,
}

crate::delegate_to_core!(TrackCore {
    SetFavorite => set_favorite,
    Favorites => favorites,
    History => history,
    IssueStreamUrl => stream_url,
    Listened => listened,
});

fn bad_cursor() -> TrackError {
    TrackError::invalid("cursor", "not a cursor of this list")
}

fn favorite_cursor(at: DateTime<Utc>, id: TrackId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", at.timestamp_micros()))
}

fn parse_favorite_cursor(raw: &str) -> Result<(DateTime<Utc>, TrackId), TrackError> {
    let text = URL_SAFE_NO_PAD.decode(raw).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad_cursor)?;
    let (micros, id) = text.split_once(':').ok_or_else(bad_cursor)?;
    let at = micros.parse().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad_cursor)?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad_cursor())?;
    Ok((at, TrackId(id)))
}

impl TrackCore {
    pub async fn set_favorite(&self, m: SetFavorite) -> Result<(), TrackError> {
        let mut conn = self.conn().await?;
        if m.on {
            // Only a track the user may see can become a favourite.
            self.visible(Some(m.user), m.id).await?;
            repo::favorite(&mut conn, m.user, m.id).await?;
        } else {
            repo::unfavorite(&mut conn, m.user, m.id).await?;
        }
        Ok(())
    }

    pub async fn favorites(&self, m: Favorites) -> Result<TrackPage, TrackError> {
        let before = m.cursor.as_deref().filter(|c| !c.is_empty()).map(parse_favorite_cursor).transpose()?;
        let mut conn = self.conn().await?;
        let mut rows = repo::favorites_page(&mut conn, m.user, before, m.limit + 1).await?;
        let more = rows.len() as i64 > m.limit;
        rows.truncate(usize::try_from(m.limit).unwrap_or(0));
        let next_cursor = match (more, rows.last()) {
            (true, Some((t, _, at))) => Some(favorite_cursor(*at, t.id)),
            _ => None,
        };
        Ok(TrackPage { items: rows.into_iter().map(|(t, owner, _)| t.view(owner)).collect(), next_cursor })
    }

    pub async fn history(&self, m: History) -> Result<HistoryPage, TrackError> {
        let before = m
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| c.parse::<i64>().map_err(|_| bad_cursor()))
            .transpose()?;
        let mut conn = self.conn().await?;
        let mut rows = repo::history_page(&mut conn, m.user, before, m.limit + 1).await?;
        let more = rows.len() as i64 > m.limit;
        rows.truncate(usize::try_from(m.limit).unwrap_or(0));
        let next_cursor = match (more, rows.last()) {
            (true, Some((id, ..))) => Some(id.to_string()),
            _ => None,
        };
        let items =
            rows.into_iter().map(|(_, played_at, t, owner)| HistoryEntry { track: t.view(owner), played_at }).collect();
        Ok(HistoryPage { items, next_cursor })
    }

    pub async fn stream_url(&self, m: IssueStreamUrl) -> Result<StreamUrl, TrackError> {
        self.visible(Some(m.user), m.id).await?;
        let ttl = std::time::Duration::from_secs(self.state.config.tracks.stream_url_ttl_secs);
        let (token, expires_at) =
            signed::issue(&self.state.keys, m.id, m.user, ttl).map_err(|e| TrackError::from(TrackFault::Storage(e)))?;
        Ok(StreamUrl { url: format!("/api/v1/tracks/{}/stream?sig={token}", m.id), expires_at })
    }

    /// Adds what a stream response sent to the listen; a listen that becomes a play is counted
    /// and, for a user who shares it, told to their friends.
    pub async fn listened(&self, m: Listened) {
        if let Err(e) = self.count(&m).await {
            tracing::warn!(error = %e, track = %m.id, "listen not counted");
        }
    }

    async fn count(&self, m: &Listened) -> Result<(), TrackError> {
        if m.bytes == 0 || self.counted.recently(&m.listener, m.id) {
            return Ok(());
        }
        let (track, _) = self.cached(m.id).await?;
        let threshold = listens::play_bytes(track.size_bytes, track.duration_ms);
        let mut conn = self.conn().await?;
        let bytes = i64::try_from(m.bytes).unwrap_or(i64::MAX);
        match listens::add(&mut conn, &m.listener, m.id, bytes, threshold).await? {
            listens::Listen::Pending => return Ok(()),
            listens::Listen::Counted => {
                self.counted.remember(&m.listener, m.id);
                return Ok(());
            }
            listens::Listen::CountedNow => self.counted.remember(&m.listener, m.id),
        }
        repo::record_play(&mut conn, m.user, m.id).await?;
        self.state.cache.invalidate(&repo::cache_key(m.id));
        if let Some(user) = m.user {
            self.now_playing(&mut conn, user, &track).await?;
        }
        Ok(())
    }

    /// `presence.now_playing` to `user`'s friends, unless their preferences say
    /// `share_now_playing: false` (a private track is never announced).
    async fn now_playing(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        user: UserId,
        track: &repo::TrackRow,
    ) -> Result<(), TrackError> {
        if !track.is_public() {
            return Ok(());
        }
        let prefs = users_repo::preferences(conn, user).await?.unwrap_or_default();
        if prefs.get("share_now_playing").and_then(serde_json::Value::as_bool) == Some(false) {
            return Ok(());
        }
        let Some(username) = users_repo::username(conn, user).await? else { return Ok(()) };
        let data = json!({
            "user": { "id": user, "username": username },
            "track": { "id": track.id, "title": track.title, "artist": track.artist, "duration_ms": track.duration_ms },
        });
        for (friend, _, status, _) in users_repo::relations(conn, user).await? {
            if status == "accepted" {
                self.state.realtime.push_user(UserId(friend.id), "presence.now_playing", data.clone());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn favorite_cursors_round_trip_to_the_microsecond() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap_or_default();
        let id = TrackId(uuid::Uuid::now_v7());
        assert_eq!(parse_favorite_cursor(&favorite_cursor(at, id)).ok(), Some((at, id)));
        assert!(parse_favorite_cursor("bm9wZQ").is_err());
    }
}
