//! Play counting: a play is audio actually fetched, not a request. The stream's body counts the
//! bytes it hands the client; when the response ends (sent or cut off), the count goes to the
//! tracks service, which adds it to the listener's listen of that track (`listens`, shared by
//! every node). A listen that reaches 30 s of audio (by the track's mean byte rate; the whole
//! of a shorter track) counts one play, once: the play row (the user's history), the track's
//! counter, and `presence.now_playing` for friends. A listen idle for 30 minutes starts afresh.

use actix_web::body::{BodySize, MessageBody};
use bytes::Bytes;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::pin::Pin;
use std::task::{Context, Poll};
use veza_core::TrackId;

/// Listens a worker saw counted (listener, track) and when: a player fetching the rest of a
/// track it already counted sends no further write to the database for `IDLE_SECS`. Bounded:
/// past `MEMO_MAX` entries it starts afresh (the database stays the judge).
#[derive(Default)]
pub struct CountedListens(std::sync::Mutex<std::collections::HashMap<(String, TrackId), std::time::Instant>>);

const MEMO_MAX: usize = 100_000;

impl CountedListens {
    pub fn recently(&self, listener: &str, track: TrackId) -> bool {
        let Ok(map) = self.0.lock() else { return false };
        map.get(&(listener.to_owned(), track))
            .is_some_and(|at| at.elapsed() < std::time::Duration::from_secs(IDLE_SECS as u64))
    }

    pub fn remember(&self, listener: &str, track: TrackId) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= MEMO_MAX {
                map.clear();
            }
            map.insert((listener.to_owned(), track), std::time::Instant::now());
        }
    }
}

/// Audio that makes a play.
pub const PLAY_MS: i64 = 30_000;
/// A listen idle this long starts afresh.
const IDLE_SECS: i64 = 30 * 60;

/// A response body that reports how many bytes it handed out when it is dropped.
pub struct Counted<B, F: FnOnce(u64)> {
    inner: B,
    sent: u64,
    report: Option<F>,
}

impl<B, F: FnOnce(u64)> Counted<B, F> {
    pub fn new(inner: B, report: F) -> Self {
        Counted { inner, sent: 0, report: Some(report) }
    }
}

impl<B, F: FnOnce(u64)> Drop for Counted<B, F> {
    fn drop(&mut self) {
        if let Some(report) = self.report.take() {
            report(self.sent);
        }
    }
}

impl<B, F> MessageBody for Counted<B, F>
where
    B: MessageBody + Unpin,
    F: FnOnce(u64) + Unpin,
{
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            self.sent += chunk.len() as u64;
        }
        polled
    }
}

/// Bytes of audio that make a play of a track of `size` bytes lasting `duration_ms`.
pub fn play_bytes(size: i64, duration_ms: i64) -> i64 {
    if duration_ms <= PLAY_MS || duration_ms <= 0 {
        return size;
    }
    // i128: size x 30,000 overflows nothing.
    i64::try_from(i128::from(size) * i128::from(PLAY_MS) / i128::from(duration_ms)).unwrap_or(size)
}

#[derive(QueryableByName)]
struct Progress {
    #[diesel(sql_type = BigInt)]
    bytes: i64,
    #[diesel(sql_type = Bool)]
    counted: bool,
}

/// Where a listen stands after some bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    /// Not 30 s yet.
    Pending,
    /// This call made it a play.
    CountedNow,
    /// Counted before (here or on another node).
    Counted,
}

/// Adds `bytes` to `listener`'s listen of `track`.
pub async fn add(
    conn: &mut AsyncPgConnection,
    listener: &str,
    track: TrackId,
    bytes: i64,
    threshold: i64,
) -> diesel::QueryResult<Listen> {
    let p: Progress = diesel::sql_query(
        "INSERT INTO listens (listener, track_id, bytes) VALUES ($1, $2, $3) \
         ON CONFLICT (listener, track_id) DO UPDATE SET \
           bytes = CASE WHEN listens.updated_at < now() - make_interval(secs => $4::float8) \
                        THEN EXCLUDED.bytes ELSE listens.bytes + EXCLUDED.bytes END, \
           counted = listens.counted AND listens.updated_at >= now() - make_interval(secs => $4::float8), \
           updated_at = now() \
         RETURNING bytes, counted",
    )
    .bind::<Text, _>(listener)
    .bind::<SqlUuid, _>(track)
    .bind::<BigInt, _>(bytes)
    .bind::<BigInt, _>(IDLE_SECS)
    .get_result(conn)
    .await?;
    if p.counted {
        return Ok(Listen::Counted);
    }
    if p.bytes < threshold {
        return Ok(Listen::Pending);
    }
    // Two nodes may both see the threshold crossed: the row decides who counts.
    let n =
        diesel::sql_query("UPDATE listens SET counted = true WHERE listener = $1 AND track_id = $2 AND NOT counted")
            .bind::<Text, _>(listener)
            .bind::<SqlUuid, _>(track)
            .execute(conn)
            .await?;
    Ok(if n == 1 { Listen::CountedNow } else { Listen::Counted })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_play_is_thirty_seconds_of_audio_or_all_of_a_shorter_track() {
        // 3 minutes in 1,800,000 bytes: 30 s is 300,000 bytes.
        assert_eq!(play_bytes(1_800_000, 180_000), 300_000);
        assert_eq!(play_bytes(50_000, 20_000), 50_000);
        assert_eq!(play_bytes(i64::MAX / 2, 3_600_000), i64::MAX / 2 / 120);
    }
}
