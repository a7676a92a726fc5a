//! `WatchRoom`: a room's messages in seq order from `since_seq`, then live, with no gap. The
//! stream registers a watcher with the room's actor (a bounded channel, `server_api.
//! watch_buffer`), reads from the store what the actor had already delivered, then forwards
//! live frames. A watcher that falls behind is dropped by the Room; the stream then reads what
//! it missed from PostgreSQL and watches again, so memory stays bounded whatever the reader
//! does. The node's drain ends every stream with UNAVAILABLE.

use super::pb;
use crate::chat::runtime::Realtime;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tonic::Status;
use veza_actors::ports::StoredMessage;
use veza_actors::protocol::{ServerFrame, SharedFrame};
use veza_actors::room::Watch;
use veza_core::{RoomId, Seq};

/// Messages read from the store per query while catching up.
const PAGE: i64 = 500;

pub type Out = mpsc::Sender<Result<pb::RoomMessage, Status>>;

/// Why a stream stopped.
enum End {
    /// The reader went away.
    Gone,
    /// Told to the reader, then stopped.
    Failed(Status),
}

/// Runs one stream until the reader goes, the node drains or the store fails.
pub async fn run(
    realtime: Realtime,
    room: RoomId,
    since: Seq,
    buffer: usize,
    out: Out,
    draining: watch::Receiver<bool>,
) {
    let mut stream = Stream { realtime, room, last: since, out, draining };
    if let End::Failed(status) = stream.serve(buffer).await {
        let _ = stream.out.send(Err(status)).await;
    }
}

struct Stream {
    realtime: Realtime,
    room: RoomId,
    /// The highest seq the reader has been sent.
    last: Seq,
    out: Out,
    draining: watch::Receiver<bool>,
}

impl Stream {
    async fn serve(&mut self, buffer: usize) -> End {
        loop {
            if *self.draining.borrow() {
                return End::Failed(Status::unavailable("the node is draining; watch again with since_seq"));
            }
            let (tx, mut rx) = mpsc::channel::<Arc<SharedFrame>>(buffer.max(1));
            let Ok(addr) = self.realtime.rooms.get(self.room).await else {
                return End::Failed(Status::unavailable("the room is unavailable; watch again with since_seq"));
            };
            let Ok(known) = addr.send(Watch { after: self.last, tx }).await else {
                continue; // the Room stopped meanwhile: a new one answers
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
                    _ = self.draining.changed() => {
                        return End::Failed(Status::unavailable("the node is draining; watch again with since_seq"));
                    }
                    () = self.out.closed() => return End::Gone,
                }
            }
        }
    }

    /// Everything committed in `(last, up_to]`, from the store.
    async fn catch_up(&mut self, up_to: Seq) -> Result<(), End> {
        let store = self.realtime.session.store.clone();
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

    /// A live frame: the next message, or (should one ever be missing) the store first.
    async fn live(&mut self, frame: &SharedFrame) -> Result<(), End> {
        let Some(seq) = frame.seq() else { return Ok(()) };
        if seq <= self.last {
            return Ok(());
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

    async fn send(&mut self, m: pb::RoomMessage) -> Result<(), End> {
        self.out.send(Ok(m)).await.map_err(|_| End::Gone)
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
        client_id: if m.body.is_some() { m.client_id.clone() } else { String::new() },
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
