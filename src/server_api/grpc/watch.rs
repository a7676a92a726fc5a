//! `WatchRoom`: a room's messages in seq order from `since_seq`, then live, with no gap. The
//! stream registers a watcher with the room's actor (a bounded channel, `server_api.
//! watch_buffer`), reads from the store what the actor had already delivered, then forwards
//! live frames. A watcher that falls behind is dropped by the Room; the stream then reads what
//! it missed from PostgreSQL and watches again, so memory stays bounded whatever the reader
//! does. Deletions of messages already sent arrive as news (`deleted`, their old seq). The key
//! is checked again every `server_api.key_cache_ms`: a revoked key's stream ends. The node's
//! drain ends every stream with UNAVAILABLE, even one whose reader has stopped reading.

use super::pb;
use super::status::status;
use crate::chat::runtime::Realtime;
use crate::server_api::model::Scope;
use crate::server_api::service::{Caller, Recheck, ServerApiService};
use actix::Addr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tonic::Status;
use veza_actors::ports::StoredMessage;
use veza_actors::protocol::{ServerFrame, SharedFrame};
use veza_actors::room::Watch;
use veza_core::{RoomId, Seq};

/// Messages read from the store per query while catching up.
const PAGE: i64 = 500;
/// The final status waits this long for a reader that stopped reading.
const LAST_WORD: Duration = Duration::from_secs(1);

pub type Out = mpsc::Sender<Result<pb::RoomMessage, Status>>;

/// What a stream needs besides its room.
pub struct Watching {
    pub realtime: Realtime,
    pub service: Addr<ServerApiService>,
    pub caller: Caller,
    pub buffer: usize,
    pub recheck_every: Duration,
    pub draining: watch::Receiver<bool>,
}

/// Why a stream stopped.
enum End {
    /// The reader went away.
    Gone,
    /// Told to the reader, then stopped.
    Failed(Status),
}

fn draining() -> End {
    End::Failed(Status::unavailable("the node is draining; watch again with since_seq"))
}

/// Runs one stream until the reader goes, the node drains, the key is revoked or the store fails.
pub async fn run(w: Watching, room: RoomId, since: Seq, out: Out) {
    let mut stream = Stream { w, room, last: since, out };
    if let End::Failed(status) = stream.serve().await {
        let _ = tokio::time::timeout(LAST_WORD, stream.out.send(Err(status))).await;
    }
}

struct Stream {
    w: Watching,
    room: RoomId,
    /// The highest seq the reader has been sent.
    last: Seq,
    out: Out,
}

impl Stream {
    async fn serve(&mut self) -> End {
        let mut recheck = tokio::time::interval(self.w.recheck_every.max(Duration::from_millis(100)));
        recheck.tick().await;
        loop {
            if *self.w.draining.borrow() {
                return draining();
            }
            let (tx, mut rx) = mpsc::channel::<Arc<SharedFrame>>(self.w.buffer.max(1));
            let Ok(addr) = self.w.realtime.rooms.get(self.room).await else {
                return End::Failed(Status::unavailable("the room is unavailable; watch again with since_seq"));
            };
            let Ok(known) = addr.send(Watch { after: self.last, tx }).await else {
                // The Room stopped meanwhile (or cannot start): a moment, then a new one.
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    () = self.out.closed() => return End::Gone,
                }
            };
            if let Err(end) = self.catch_up(known).await {
                return end;
            }
            loop {
                tokio::select! {
                    frame = rx.recv() => match frame {
                        Some(f) => {
                            if let Err(end) = self.live(&f).await {
                                return end;
                            }
                        }
                        // Dropped for falling behind (or the Room stopped): read on from the store.
                        None => break,
                    },
                    _ = recheck.tick() => {
                        let check = Recheck { caller: self.w.caller.clone(), scope: Scope::Watch };
                        // A mailbox failure is no verdict: the next tick asks again.
                        if let Ok(Err(e)) = self.w.service.send(check).await {
                            return End::Failed(status(e));
                        }
                    }
                    _ = self.w.draining.changed() => return draining(),
                    () = self.out.closed() => return End::Gone,
                }
            }
        }
    }

    /// Everything committed in `(last, up_to]`, from the store.
    async fn catch_up(&mut self, up_to: Seq) -> Result<(), End> {
        let store = self.w.realtime.session.store.clone();
        while self.last < up_to {
            let rows = store
                .range(self.room, self.last, up_to, PAGE)
                .await
                .map_err(|e| End::Failed(Status::unavailable(format!("history unavailable: {e}"))))?;
            let Some(tail) = rows.last().map(|m| m.seq) else { break };
            for m in rows {
                self.send(message(&m)).await?;
            }
            self.last = tail;
        }
        Ok(())
    }

    /// A live frame: the next message (should one ever be missing, the store first), or the
    /// deletion of one already sent.
    async fn live(&mut self, frame: &SharedFrame) -> Result<(), End> {
        let Some(seq) = frame.seq() else { return Ok(()) };
        if seq <= self.last {
            return match (&frame.frame, from_frame(&frame.frame)) {
                (ServerFrame::MessageDeleted { .. }, Some(m)) => self.send(m).await,
                _ => Ok(()),
            };
        }
        if seq > self.last + 1 {
            self.catch_up(seq - 1).await?;
        }
        if let Some(m) = from_frame(&frame.frame) {
            self.send(m).await?;
            self.last = seq;
        }
        Ok(())
    }

    /// To the reader, as fast as it reads; a drain does not wait for a reader that stopped.
    async fn send(&mut self, m: pb::RoomMessage) -> Result<(), End> {
        tokio::select! {
            sent = self.out.send(Ok(m)) => sent.map_err(|_| End::Gone),
            _ = self.w.draining.wait_for(|d| *d) => Err(draining()),
        }
    }
}

/// A stored message (or a deleted one's slot) as the stream sends it.
pub fn message(m: &StoredMessage) -> pb::RoomMessage {
    pb::RoomMessage {
        id: m.id.get(),
        room: m.room.to_string(),
        seq: u64::try_from(m.seq.get()).unwrap_or(0),
        author_id: if m.body.is_some() { m.author.id.to_string() } else { String::new() },
        author_username: if m.body.is_some() { m.author.username.clone() } else { String::new() },
        body: m.body.clone().unwrap_or_default(),
        client_id: if m.body.is_some() {
            veza_core::text::shown_client_id(&m.client_id).to_owned()
        } else {
            String::new()
        },
        sent_at: m.sent_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        deleted: m.body.is_none(),
    }
}

fn from_frame(f: &ServerFrame) -> Option<pb::RoomMessage> {
    match f {
        ServerFrame::Message { room, id, seq, author, body, sent_at, client_id } => Some(pb::RoomMessage {
            id: id.get(),
            room: room.to_string(),
            seq: u64::try_from(seq.get()).unwrap_or(0),
            author_id: author.id.to_string(),
            author_username: author.username.clone(),
            body: body.clone(),
            client_id: client_id.clone().unwrap_or_default(),
            sent_at: sent_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            deleted: false,
        }),
        ServerFrame::MessageDeleted { room, id, seq } => Some(pb::RoomMessage {
            id: id.get(),
            room: room.to_string(),
            seq: u64::try_from(seq.get()).unwrap_or(0),
            deleted: true,
            ..Default::default()
        }),
        _ => None,
    }
}
