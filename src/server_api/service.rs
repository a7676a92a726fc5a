//! `ServerApiService`: the one actor both doors (gRPC and `/api/v1/server/…`) send their
//! messages to. Every operation authenticates the key, checks its scope and its rate, acts,
//! and counts the call per key; the control-plane ones (Subscribe, Unsubscribe, Disconnect)
//! are audited. Messages go through the same Room and writer as a user's send.

use super::keys::ApiKeys;
use super::model::*;
use super::repo;
use crate::chat::model::{MessageView, Visibility};
use crate::chat::repo as chat_repo;
use crate::db::{PooledConn, checkout};
use crate::error::DomainError;
use crate::ratelimit::{Decision, Quota};
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::web::error::ApiError;
use actix::prelude::*;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use veza_actors::protocol::UserRef;
use veza_actors::room::{ConnCount, LocalOnline};
use veza_core::{RoomId, Seq};

pub struct ServerCore {
    pub state: AppState,
    keys: ApiKeys,
}

/// Failed authentications allowed per address: 60 a minute, 30 at once.
fn failed_auth() -> Quota {
    Quota::per_minute(60, 30)
}

/// The server API's service actor (one per HTTP worker and one per gRPC thread).
pub type ServerApiService = Service<ServerCore>;

impl Core for ServerCore {
    fn new(state: AppState) -> Self {
        let keys = ApiKeys::new(state.pool.clone(), Duration::from_millis(state.config.server_api.key_cache_ms));
        ServerCore { state, keys }
    }
}

/// Who calls: the raw credential and where from (for the audit trail).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub key: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Published, ServerApiError>")]
pub struct PublishMsg {
    pub caller: Caller,
    pub body: PublishBody,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<BroadcastResults, ServerApiError>")]
pub struct BroadcastMsg {
    pub caller: Caller,
    pub body: BroadcastBody,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerApiError>")]
pub struct PushMsg {
    pub caller: Caller,
    pub body: PushBody,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<OnlineUsers, ServerApiError>")]
pub struct PresenceMsg {
    pub caller: Caller,
    pub room: RoomId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<PresenceStats, ServerApiError>")]
pub struct PresenceStatsMsg {
    pub caller: Caller,
    pub room: RoomId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<RoomHistory, ServerApiError>")]
pub struct HistoryMsg {
    pub caller: Caller,
    pub room: RoomId,
    pub query: HistoryQuery,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Changed, ServerApiError>")]
pub struct SubscribeMsg {
    pub caller: Caller,
    pub body: MembershipBody,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Changed, ServerApiError>")]
pub struct UnsubscribeMsg {
    pub caller: Caller,
    pub body: MembershipBody,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerApiError>")]
pub struct DisconnectMsg {
    pub caller: Caller,
    pub body: DisconnectBody,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<ServerRoom, ServerApiError>")]
pub struct RoomInfoMsg {
    pub caller: Caller,
    pub room: RoomId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<RoomPage, ServerApiError>")]
pub struct RoomsMsg {
    pub caller: Caller,
    pub query: RoomsQuery,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Nodes, ServerApiError>")]
pub struct NodesMsg {
    pub caller: Caller,
}

/// Checks a `WatchRoom` before its stream starts: the room, as its id.
#[derive(Debug, Message)]
#[rtype(result = "Result<RoomId, ServerApiError>")]
pub struct WatchMsg {
    pub caller: Caller,
    pub room: RoomId,
}

/// Whether the caller's key still holds `scope` (a revoked key's open stream ends): no rate,
/// not counted as a call.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerApiError>")]
pub struct Recheck {
    pub caller: Caller,
    pub scope: Scope,
}

crate::delegate_to_core!(ServerCore {
    Recheck => recheck,
    PublishMsg => publish,
    BroadcastMsg => broadcast,
    PushMsg => push,
    PresenceMsg => presence,
    PresenceStatsMsg => presence_stats,
    HistoryMsg => history,
    SubscribeMsg => subscribe,
    UnsubscribeMsg => unsubscribe,
    DisconnectMsg => disconnect,
    RoomInfoMsg => room_info,
    RoomsMsg => rooms,
    NodesMsg => nodes,
    WatchMsg => watch,
});

impl ServerCore {
    pub(super) async fn conn(&self) -> Result<PooledConn<'_>, ServerApiError> {
        Ok(checkout(&self.state.pool).await?)
    }

    /// The key, holding `scope`, within its rate; the call counted whatever the outcome.
    pub(super) async fn admit(
        &self,
        caller: &Caller,
        op: &'static str,
        scope: Scope,
    ) -> Result<Arc<ApiKey>, ServerApiError> {
        // Failed authentications are limited per address, before a key that needs a database
        // read: a flood of made-up keys stops there, while a key read lately is never slowed.
        let failures = caller.ip.as_ref().map(|ip| format!("server_api:failed:{ip}"));
        let limiter = &self.state.limiter;
        let raw = caller.key.as_deref();
        let outcome = match self.keys.without_reading(raw) {
            Some(answer) => answer,
            None => match &failures {
                Some(f) => match limiter.peek(f, failed_auth()).await {
                    Decision::Limited { retry_after } => Err(ServerApiFault::RateLimited { retry_after }.into()),
                    Decision::Allowed => self.keys.authenticate(raw).await,
                },
                None => self.keys.authenticate(raw).await,
            },
        };
        let key = match outcome {
            Ok(k) => k,
            Err(e) => {
                if let (Some(f), DomainError::Feature(ServerApiFault::Unauthenticated(_))) = (&failures, &e) {
                    limiter.check(f, failed_auth()).await;
                }
                self.count("", op, &e);
                return Err(e);
            }
        };
        let checked = self.check_rate(&key).await.and_then(|()| key.require(scope));
        if let Err(e) = &checked {
            self.count(&key.name, op, e);
        }
        checked.map(|()| key)
    }

    /// One call against the key's rate (a broadcast counts one per room).
    pub(super) async fn check_rate(&self, key: &ApiKey) -> Result<(), ServerApiError> {
        let cfg = &self.state.config.server_api;
        let rate = key.rate_per_sec.unwrap_or(cfg.per_key_per_second).max(1);
        let quota = Quota {
            per_period: NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN),
            period: Duration::from_secs(1),
            burst: NonZeroU32::new(cfg.burst.max(rate)).unwrap_or(NonZeroU32::MIN),
        };
        let limiter = &self.state.limiter;
        let id = format!("server_api:{}", key.id);
        let decision = match limiter.check_now(&id, quota) {
            Some(d) => d,
            None => limiter.check(&id, quota).await,
        };
        match decision {
            Decision::Allowed => Ok(()),
            Decision::Limited { retry_after } => {
                self.state.metrics.rate_limited.with_label_values(&["server_api"]).inc();
                Err(ServerApiFault::RateLimited { retry_after }.into())
            }
        }
    }

    /// One call per key, operation and outcome (`ok` or the problem code).
    fn count(&self, key: &str, op: &str, outcome: &ServerApiError) {
        let code = ApiError::from(clone_error(outcome)).code();
        self.state.metrics.server_api_calls.with_label_values(&[key, op, code]).inc();
    }

    fn ok(&self, key: &ApiKey, op: &str) {
        self.state.metrics.server_api_calls.with_label_values(&[&key.name, op, "ok"]).inc();
    }

    /// Runs `f` as operation `op`, counting its outcome.
    pub(super) async fn counted<T>(
        &self,
        key: &ApiKey,
        op: &'static str,
        f: impl Future<Output = Result<T, ServerApiError>>,
    ) -> Result<T, ServerApiError> {
        let out = f.await;
        match &out {
            Ok(_) => self.ok(key, op),
            Err(e) => self.count(&key.name, op, e),
        }
        out
    }

    /// The room's row from the read cache; a connection is taken only to load a miss.
    pub(super) async fn room_row(&self, room: RoomId) -> Result<chat_repo::RoomRow, ServerApiError> {
        let load = async {
            let mut conn = self.conn().await?;
            Ok::<_, ServerApiError>(chat_repo::room(&mut conn, room).await?)
        };
        let row = self.state.cache.get_or_load(&chat_repo::room_cache_key(room), load).await?;
        row.ok_or(DomainError::NotFound)
    }

    pub async fn presence(&self, m: PresenceMsg) -> Result<OnlineUsers, ServerApiError> {
        let key = self.admit(&m.caller, "presence", Scope::Presence).await?;
        self.counted(&key, "presence", async {
            self.room_row(m.room).await?;
            Ok(OnlineUsers { users: self.online(m.room).await? })
        })
        .await
    }

    pub async fn presence_stats(&self, m: PresenceStatsMsg) -> Result<PresenceStats, ServerApiError> {
        let key = self.admit(&m.caller, "presence_stats", Scope::Presence).await?;
        self.counted(&key, "presence_stats", async {
            self.room_row(m.room).await?;
            let users = self.online(m.room).await?.len() as u64;
            let addr = self.state.realtime.rooms.get(m.room).await.map_err(unavailable)?;
            let local = addr.send(ConnCount).await.map_err(unavailable)? as u64;
            Ok(PresenceStats { users, local_connections: local })
        })
        .await
    }

    /// Online across nodes (the shared presence store), or on this node when there is none.
    async fn online(&self, room: RoomId) -> Result<Vec<UserRef>, ServerApiError> {
        if let Some(p) = &self.state.realtime.room_presence {
            return p.online(room).await.map_err(unavailable);
        }
        let addr = self.state.realtime.rooms.get(room).await.map_err(unavailable)?;
        addr.send(LocalOnline).await.map_err(unavailable)
    }

    pub async fn history(&self, m: HistoryMsg) -> Result<RoomHistory, ServerApiError> {
        let key = self.admit(&m.caller, "history", Scope::History).await?;
        self.counted(&key, "history", async {
            let limit = page_size(m.query.limit.unwrap_or(0), HISTORY_DEFAULT, HISTORY_MAX, "limit")?;
            let since = m.query.since_seq.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
            self.room_row(m.room).await?;
            let mut conn = self.conn().await?;
            let last_seq = chat_repo::last_seq(&mut conn, m.room).await?;
            let rows = if m.query.reverse {
                let mut rows = chat_repo::before(&mut conn, m.room, since.map(Seq), limit).await?;
                rows.reverse();
                rows
            } else {
                chat_repo::range(&mut conn, m.room, Seq(since.unwrap_or(0)), Seq::MAX, limit).await?
            };
            Ok(RoomHistory { messages: rows.into_iter().map(MessageView::from).collect(), last_seq: last_seq.get() })
        })
        .await
    }

    pub async fn room_info(&self, m: RoomInfoMsg) -> Result<ServerRoom, ServerApiError> {
        let key = self.admit(&m.caller, "room_info", Scope::Info).await?;
        self.counted(&key, "room_info", async {
            let mut conn = self.conn().await?;
            let row = chat_repo::room(&mut conn, m.room).await?.ok_or(DomainError::NotFound)?;
            room_view(&mut conn, row).await
        })
        .await
    }

    pub async fn rooms(&self, m: RoomsMsg) -> Result<RoomPage, ServerApiError> {
        let key = self.admit(&m.caller, "rooms", Scope::Info).await?;
        self.counted(&key, "rooms", async {
            let limit = page_size(m.query.limit.unwrap_or(0), ROOMS_DEFAULT, ROOMS_MAX, "limit")?;
            let like = like_pattern(m.query.pattern.as_deref().unwrap_or("*"))?;
            let after = match m.query.cursor.as_deref().filter(|c| !c.is_empty()) {
                Some(c) => Some(
                    c.parse::<uuid::Uuid>()
                        .map(RoomId)
                        .map_err(|_| DomainError::invalid("cursor", "not a cursor this API gave"))?,
                ),
                None => None,
            };
            let mut conn = self.conn().await?;
            let ids = repo::rooms_like(&mut conn, &like, after, limit).await?;
            let mut rooms = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(row) = chat_repo::room(&mut conn, *id).await? {
                    rooms.push(room_view(&mut conn, row).await?);
                }
            }
            let next_cursor = (ids.len() as i64 == limit).then(|| ids.last().map(|r| r.to_string())).flatten();
            Ok(RoomPage { rooms, next_cursor })
        })
        .await
    }

    pub async fn nodes(&self, m: NodesMsg) -> Result<Nodes, ServerApiError> {
        let key = self.admit(&m.caller, "node_info", Scope::Info).await?;
        self.counted(&key, "node_info", async {
            let mut conn = self.conn().await?;
            let after = Duration::from_millis(self.state.config.stats.unreachable_after_ms);
            Ok(Nodes { nodes: crate::stats::nodes::list(&mut conn, after).await? })
        })
        .await
    }

    pub async fn recheck(&self, m: Recheck) -> Result<(), ServerApiError> {
        self.keys.authenticate(m.caller.key.as_deref()).await?.require(m.scope)
    }

    pub async fn watch(&self, m: WatchMsg) -> Result<RoomId, ServerApiError> {
        let key = self.admit(&m.caller, "watch_room", Scope::Watch).await?;
        self.counted(&key, "watch_room", async {
            self.room_row(m.room).await?;
            Ok(m.room)
        })
        .await
    }
}

async fn room_view(
    conn: &mut diesel_async::AsyncPgConnection,
    r: chat_repo::RoomRow,
) -> Result<ServerRoom, ServerApiError> {
    let (last_seq, member_count) = chat_repo::counters(conn, r.id).await?;
    Ok(ServerRoom {
        id: r.id,
        name: r.name,
        topic: r.topic,
        visibility: match r.visibility {
            Visibility::Public => "public".into(),
            Visibility::Private => "private".into(),
        },
        is_direct: r.is_direct,
        member_count,
        last_seq,
        created_at: r.created_at,
    })
}

pub(super) fn unavailable(e: impl std::fmt::Display) -> ServerApiError {
    ServerApiFault::Unavailable(e.to_string()).into()
}

/// An error's code without consuming it (the outcome is still returned to the caller).
fn clone_error(e: &ServerApiError) -> ServerApiError {
    match e {
        DomainError::NotFound => DomainError::NotFound,
        DomainError::Forbidden(c, d) => DomainError::Forbidden(*c, d.clone()),
        DomainError::Conflict(c, d) => DomainError::Conflict(*c, d.clone()),
        DomainError::Invalid { field, message } => DomainError::Invalid { field, message: message.clone() },
        DomainError::Db(e) => ServerApiFault::Unavailable(e.to_string()).into(),
        DomainError::Feature(f) => match f {
            ServerApiFault::Unauthenticated(m) => ServerApiFault::Unauthenticated(m).into(),
            ServerApiFault::RateLimited { retry_after } => {
                ServerApiFault::RateLimited { retry_after: *retry_after }.into()
            }
            ServerApiFault::Refused(c, m) => ServerApiFault::Refused(*c, m.clone()).into(),
            ServerApiFault::Unavailable(m) => ServerApiFault::Unavailable(m.clone()).into(),
        },
    }
}
