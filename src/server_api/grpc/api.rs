//! `veza.server.v1.ServerApi` over the service actor: each call becomes the same message the
//! HTTP door sends, and the answer (or the error, as a status) goes back.

use super::pb::{self, server_api_server::ServerApi};
use super::status::{invalid, status};
use super::watch;
use crate::server_api::keys::from_header;
use crate::server_api::model::*;
use crate::server_api::service::*;
use crate::state::AppState;
use actix::dev::ToEnvelope;
use actix::{Addr, Handler, Message};
use tokio::sync::{mpsc, watch as signal};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use uuid::Uuid;
use veza_core::{RoomId, Seq, UserId};

pub struct GrpcApi {
    service: Addr<ServerApiService>,
    state: AppState,
    draining: signal::Receiver<bool>,
}

impl GrpcApi {
    pub fn new(service: Addr<ServerApiService>, state: AppState, draining: signal::Receiver<bool>) -> Self {
        GrpcApi { service, state, draining }
    }

    async fn ask<M, T>(&self, msg: M) -> Result<T, Status>
    where
        M: Message<Result = Result<T, ServerApiError>> + Send + 'static,
        T: Send + 'static,
        ServerApiService: Handler<M>,
        <ServerApiService as actix::Actor>::Context: ToEnvelope<ServerApiService, M>,
    {
        match self.service.send(msg).await {
            Ok(reply) => reply.map_err(status),
            Err(e) => Err(Status::unavailable(format!("service unavailable: {e}"))),
        }
    }
}

/// The API key from the `authorization` metadata, and the peer's address.
fn caller<T>(req: &Request<T>) -> Caller {
    let key = req.metadata().get("authorization").and_then(|v| v.to_str().ok()).and_then(from_header);
    Caller { key: key.map(str::to_owned), ip: req.remote_addr().map(|a| a.ip().to_string()) }
}

fn uuid(field: &str, s: &str) -> Result<Uuid, Status> {
    s.trim().parse::<Uuid>().map_err(|_| invalid(field, "must be a UUID"))
}

fn room_id(s: &str) -> Result<RoomId, Status> {
    uuid("room", s).map(RoomId)
}

fn user_id(field: &str, s: &str) -> Result<UserId, Status> {
    uuid(field, s).map(UserId)
}

fn sender(s: Option<&str>) -> Result<Option<UserId>, Status> {
    s.map(|s| user_id("sender", s)).transpose()
}

fn text(bytes: Vec<u8>) -> Result<String, Status> {
    body_text(bytes).map_err(status)
}

fn published(p: Published) -> pb::PublishResponse {
    pb::PublishResponse { id: p.id, seq: u64::try_from(p.seq).unwrap_or(0), duplicate: p.duplicate }
}

fn room(r: ServerRoom) -> pb::Room {
    pb::Room {
        id: r.id.to_string(),
        name: r.name,
        topic: r.topic.unwrap_or_default(),
        visibility: r.visibility,
        is_direct: r.is_direct,
        member_count: u64::try_from(r.member_count).unwrap_or(0),
        last_seq: u64::try_from(r.last_seq).unwrap_or(0),
        created_at: r.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    }
}

fn message(v: crate::chat::model::MessageView) -> pb::RoomMessage {
    pb::RoomMessage {
        id: v.id,
        room: v.room.map(|r| r.to_string()).unwrap_or_default(),
        seq: u64::try_from(v.seq).unwrap_or(0),
        author_id: v.author.as_ref().map(|a| a.id.to_string()).unwrap_or_default(),
        author_username: v.author.map(|a| a.username).unwrap_or_default(),
        body: v.body.unwrap_or_default(),
        client_id: v.client_id.unwrap_or_default(),
        sent_at: v.sent_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default(),
        deleted: v.deleted,
    }
}

#[tonic::async_trait]
impl ServerApi for GrpcApi {
    async fn publish(&self, req: Request<pb::PublishRequest>) -> Result<Response<pb::PublishResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let body = PublishBody {
            room: room_id(&r.room)?,
            body: text(r.body)?,
            client_id: r.client_id,
            sender: sender(r.sender.as_deref())?,
        };
        Ok(Response::new(published(self.ask(PublishMsg { caller, body }).await?)))
    }

    async fn broadcast(&self, req: Request<pb::BroadcastRequest>) -> Result<Response<pb::BroadcastResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let rooms = r.rooms.iter().map(|s| room_id(s)).collect::<Result<Vec<_>, _>>()?;
        let body =
            BroadcastBody { rooms, body: text(r.body)?, client_id: r.client_id, sender: sender(r.sender.as_deref())? };
        let out = self.ask(BroadcastMsg { caller, body }).await?;
        let results = out
            .results
            .into_iter()
            .map(|i| pb::BroadcastResult {
                room: i.room.to_string(),
                outcome: match (i.published, i.error) {
                    (Some(p), _) => Some(pb::broadcast_result::Outcome::Published(published(p))),
                    (None, Some(e)) => {
                        Some(pb::broadcast_result::Outcome::Error(pb::Error { code: e.code, message: e.message }))
                    }
                    (None, None) => None,
                },
            })
            .collect();
        Ok(Response::new(pb::BroadcastResponse { results }))
    }

    async fn push_to_user(
        &self,
        req: Request<pb::PushToUserRequest>,
    ) -> Result<Response<pb::PushToUserResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let payload = if r.payload.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&r.payload).map_err(|_| invalid("payload", "must be JSON text (UTF-8)"))?
        };
        let body = PushBody { user: user_id("user", &r.user)?, event_type: r.event_type, payload };
        self.ask(PushMsg { caller, body }).await?;
        Ok(Response::new(pb::PushToUserResponse {}))
    }

    async fn presence(&self, req: Request<pb::PresenceRequest>) -> Result<Response<pb::PresenceResponse>, Status> {
        let caller = caller(&req);
        let room = room_id(&req.get_ref().room)?;
        let out = self.ask(PresenceMsg { caller, room }).await?;
        let users =
            out.users.into_iter().map(|u| pb::OnlineUser { id: u.id.to_string(), username: u.username }).collect();
        Ok(Response::new(pb::PresenceResponse { users }))
    }

    async fn presence_stats(
        &self,
        req: Request<pb::PresenceStatsRequest>,
    ) -> Result<Response<pb::PresenceStatsResponse>, Status> {
        let caller = caller(&req);
        let room = room_id(&req.get_ref().room)?;
        let out = self.ask(PresenceStatsMsg { caller, room }).await?;
        let cap = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(Response::new(pb::PresenceStatsResponse {
            users: cap(out.users),
            local_connections: cap(out.local_connections),
        }))
    }

    async fn history(&self, req: Request<pb::HistoryRequest>) -> Result<Response<pb::HistoryResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let query = HistoryQuery { since_seq: r.since_seq, limit: Some(r.limit), reverse: r.reverse };
        let out = self.ask(HistoryMsg { caller, room: room_id(&r.room)?, query }).await?;
        Ok(Response::new(pb::HistoryResponse {
            messages: out.messages.into_iter().map(message).collect(),
            last_seq: u64::try_from(out.last_seq).unwrap_or(0),
        }))
    }

    async fn subscribe(&self, req: Request<pb::SubscribeRequest>) -> Result<Response<pb::SubscribeResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let body = MembershipBody { user: user_id("user", &r.user)?, room: room_id(&r.room)? };
        let out = self.ask(SubscribeMsg { caller, body }).await?;
        Ok(Response::new(pb::SubscribeResponse { changed: out.changed }))
    }

    async fn unsubscribe(
        &self,
        req: Request<pb::UnsubscribeRequest>,
    ) -> Result<Response<pb::UnsubscribeResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let body = MembershipBody { user: user_id("user", &r.user)?, room: room_id(&r.room)? };
        let out = self.ask(UnsubscribeMsg { caller, body }).await?;
        Ok(Response::new(pb::UnsubscribeResponse { changed: out.changed }))
    }

    async fn disconnect(
        &self,
        req: Request<pb::DisconnectRequest>,
    ) -> Result<Response<pb::DisconnectResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let body = DisconnectBody { user: user_id("user", &r.user)?, code: r.code, reason: r.reason };
        self.ask(DisconnectMsg { caller, body }).await?;
        Ok(Response::new(pb::DisconnectResponse {}))
    }

    async fn room_info(&self, req: Request<pb::RoomInfoRequest>) -> Result<Response<pb::RoomInfoResponse>, Status> {
        let caller = caller(&req);
        let r = room_id(&req.get_ref().room)?;
        let out = self.ask(RoomInfoMsg { caller, room: r }).await?;
        Ok(Response::new(pb::RoomInfoResponse { room: Some(room(out)) }))
    }

    async fn rooms(&self, req: Request<pb::RoomsRequest>) -> Result<Response<pb::RoomsResponse>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let query = RoomsQuery {
            pattern: Some(r.pattern).filter(|p| !p.is_empty()),
            limit: Some(r.limit),
            cursor: Some(r.cursor).filter(|c| !c.is_empty()),
        };
        let out = self.ask(RoomsMsg { caller, query }).await?;
        Ok(Response::new(pb::RoomsResponse {
            rooms: out.rooms.into_iter().map(room).collect(),
            next_cursor: out.next_cursor.unwrap_or_default(),
        }))
    }

    async fn node_info(&self, req: Request<pb::NodeInfoRequest>) -> Result<Response<pb::NodeInfoResponse>, Status> {
        let out = self.ask(NodesMsg { caller: caller(&req) }).await?;
        let nodes = out
            .nodes
            .into_iter()
            .map(|n| pb::Node {
                id: n.node,
                version: n.version,
                state: n.status.as_str().to_owned(),
                uptime_secs: n.uptime_secs.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                connections: u64::try_from(n.connections).unwrap_or(0),
                online_users: u64::try_from(n.online_users).unwrap_or(0),
                live_rooms: u64::try_from(n.rooms).unwrap_or(0),
                deliveries_per_sec: n.deliveries_per_sec,
                last_seen: n.last_beat_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            })
            .collect();
        Ok(Response::new(pb::NodeInfoResponse { nodes }))
    }

    type WatchRoomStream = ReceiverStream<Result<pb::RoomMessage, Status>>;

    async fn watch_room(&self, req: Request<pb::WatchRoomRequest>) -> Result<Response<Self::WatchRoomStream>, Status> {
        let caller = caller(&req);
        let r = req.into_inner();
        let room = self.ask(WatchMsg { caller: caller.clone(), room: room_id(&r.room)? }).await?;
        let since = Seq(i64::try_from(r.since_seq).map_err(|_| invalid("since_seq", "too large"))?);
        // A small hand-over to tonic: the reader's pace is felt at once, not after a big queue.
        let (tx, rx) = mpsc::channel(16);
        let cfg = &self.state.config.server_api;
        let watching = watch::Watching {
            realtime: self.state.realtime.clone(),
            service: self.service.clone(),
            caller,
            buffer: cfg.watch_buffer,
            recheck_every: std::time::Duration::from_millis(cfg.key_cache_ms),
            draining: self.draining.clone(),
        };
        tokio::spawn(watch::run(watching, room, since, tx));
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}
