//! The node's realtime core, assembled: Room shards, presence and the user channel, the
//! message writer, and what each WebSocket session needs.

use crate::config::ChatConfig;
use crate::infra::amqp::{AmqpBridge, AmqpFanout, Attach, Disconnect};
use crate::infra::events::NodeBus;
use std::sync::Arc;
use std::time::Duration;
use veza_actors::NodeSupervisor;
use veza_actors::ports::StoredMessage;
use veza_actors::ports::{ChatStore, Fanout, RoomPresence, SendPolicy};
use veza_actors::presence::{LocalFanout, Presence};
use veza_actors::protocol::UserRef;
use veza_actors::protocol::{ServerFrame, SharedFrame};
use veza_actors::room::RoomDeps;
use veza_actors::room::{Post, PostError, PostReply};
use veza_actors::rooms::RoomRegistry;
use veza_actors::session::{SessionConfig, SessionDeps};
use veza_actors::stats::ChatStats;
use veza_actors::writer::MessageWriter;
use veza_core::{RoomId, UserId};

#[derive(Clone)]
pub struct Realtime {
    pub rooms: RoomRegistry,
    pub fanout: Arc<dyn Fanout>,
    pub session: SessionDeps,
    /// Node events to every node (`node.broadcast`).
    pub bus: NodeBus,
    /// Who is online in each room across nodes (Redis), when configured.
    pub room_presence: Option<Arc<dyn RoomPresence>>,
    bridge: Option<actix::Addr<AmqpBridge>>,
}

/// What `Realtime::start` needs.
pub struct RealtimeParts<'a> {
    pub config: &'a ChatConfig,
    pub store: Arc<dyn ChatStore>,
    pub policy: Arc<dyn SendPolicy>,
    pub stats: ChatStats,
    pub supervisor: &'a NodeSupervisor,
    pub supervisor_addr: actix::Addr<NodeSupervisor>,
    /// The broker link, when `amqp.url` is set: fan-out crosses nodes.
    pub bridge: Option<actix::Addr<AmqpBridge>>,
    /// Node events, built before the realtime core.
    pub bus: NodeBus,
    pub node_id: String,
    /// Who is online in each room across nodes (Redis), when configured.
    pub room_presence: Option<Arc<dyn RoomPresence>>,
}

impl Realtime {
    pub fn start(p: RealtimeParts<'_>) -> Self {
        let c = p.config;
        let presence = p.supervisor.supervise(|_| Presence::default());
        let shards = if c.room_shards == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            c.room_shards
        };
        let (batch, flush) = (c.writer_max_batch, Duration::from_millis(c.writer_flush_ms));
        // Each writer on its shard's thread: a message goes room -> writer -> room without
        // waking another thread (make bench's burst measured the difference).
        let arbiters = RoomRegistry::arbiters(shards);
        let writers = arbiters
            .iter()
            .map(|arbiter| {
                let (store, stats) = (p.store.clone(), p.stats.clone());
                actix::Supervisor::start_in_arbiter(arbiter, move |_| MessageWriter::new(store, stats, batch, flush))
            })
            .collect();
        let (bridge, bus) = (p.bridge, p.bus);
        let fanout: Arc<dyn Fanout> = match &bridge {
            Some(b) => AmqpFanout::new(b.clone(), presence.clone(), p.node_id.clone()),
            None => Arc::new(LocalFanout::new(presence.clone())),
        };
        let deps = Arc::new(RoomDeps {
            store: p.store.clone(),
            fanout: fanout.clone(),
            writers,
            stats: p.stats.clone(),
            gap_wait: Duration::from_millis(c.gap_wait_ms),
            idle_stop: Duration::from_secs(c.room_idle_secs),
            resync_every: Duration::from_millis(c.resync_ms),
            presence: p.room_presence.clone(),
        });
        let rooms = RoomRegistry::start_on(&arbiters, deps);
        if let Some(b) = &bridge {
            b.do_send(Attach { rooms: rooms.clone(), presence: presence.clone() });
        }
        let session = SessionDeps {
            rooms: rooms.clone(),
            fanout: fanout.clone(),
            presence,
            supervisor: p.supervisor_addr,
            store: p.store,
            policy: p.policy,
            stats: p.stats,
            config: SessionConfig {
                ping_interval: Duration::from_millis(c.ping_interval_ms),
                idle_timeout: Duration::from_millis(c.idle_timeout_ms),
                mailbox: c.session_mailbox,
                auth_check: Duration::from_millis(c.auth_check_ms),
            },
        };
        Realtime { rooms, fanout, session, bus, bridge, room_presence: p.room_presence }
    }

    /// Drain: leave the broker now (queue and bindings go with the link).
    pub async fn disconnect_broker(&self) {
        if let Some(b) = &self.bridge {
            let _ = b.send(Disconnect).await;
        }
    }

    /// Posts a message to its room's live actor and waits for the outcome (after the commit).
    /// A Room that stopped idle between being looked up and taking the post drops it
    /// unanswered; the post is sent again to the Room that replaces it (at most three tries).
    /// The `client_id` makes that safe: had it been stored, the store answers the original.
    /// `Err`: no Room could be had (the registry's reason).
    pub async fn post(
        &self,
        room: RoomId,
        author: &UserRef,
        body: &str,
        client_id: &str,
        trusted: bool,
    ) -> Result<Result<StoredMessage, PostError>, String> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let addr = self.rooms.get(room).await.map_err(|e| e.to_string())?;
            let (reply, answer) = PostReply::channel();
            let post =
                Post { author: author.clone(), body: body.to_owned(), client_id: client_id.to_owned(), reply, trusted };
            addr.do_send(post);
            let outcome = answer.await.unwrap_or(Err(PostError::Unavailable));
            let dropped = matches!(outcome, Err(PostError::Unavailable)) && !addr.connected();
            if !dropped || attempts == 3 {
                return Ok(outcome);
            }
        }
    }

    /// A live hint for every connection of `user` (`friend.request`, `dm.created`, offers…).
    pub fn push_user(&self, user: UserId, kind: &str, data: serde_json::Value) {
        let frame = SharedFrame::new(ServerFrame::Event { kind: kind.to_owned(), data });
        self.fanout.publish_user(user, frame);
    }
}
