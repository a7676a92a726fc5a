//! RabbitMQ fan-out between nodes (the `Fanout` port when `amqp.url` is set). Each node has
//! its own exclusive, auto-delete queue `veza.node.<node_id>` on the topic exchange, bound to
//! `room.<id>` while it has local members there and to `user.<id>` while that user is
//! connected to it. Envelopes are MessagePack; a node skips its own. Local delivery never
//! waits on the broker: when it is away, publishes are dropped and the Rooms' `seq` rule heals
//! the gap from PostgreSQL.

use actix::prelude::*;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;
use veza_actors::ports::{Fanout, LocalFanout};
use veza_actors::presence::{Presence, ToUser};
use veza_actors::protocol::{ServerFrame, SharedFrame};
use veza_actors::room::{Committed, Notify};
use veza_actors::rooms::RoomRegistry;

/// What travels between nodes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub origin: String,
    pub kind: EnvelopeKind,
    pub room: Option<Uuid>,
    pub user: Option<Uuid>,
    pub seq: Option<i64>,
    pub frame: ServerFrame,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeKind {
    Room,
    User,
}

fn encode(e: &Envelope) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    let mut ser = rmp_serde::Serializer::new(&mut buf).with_struct_map().with_human_readable();
    match e.serialize(&mut ser) {
        Ok(()) => buf,
        Err(_) => Vec::new(),
    }
}

fn decode(data: &[u8]) -> Option<Envelope> {
    let mut de = rmp_serde::Deserializer::new(data).with_human_readable();
    Envelope::deserialize(&mut de).ok()
}

pub struct AmqpBridge {
    url: String,
    exchange: String,
    node_id: String,
    channel: Option<Channel>,
    connection: Option<Connection>,
    /// Routing key -> local subscribers (rooms: 1; users: connections).
    bindings: HashMap<String, usize>,
    rooms: Option<RoomRegistry>,
    presence: Option<Addr<Presence>>,
    backoff: Duration,
}

impl AmqpBridge {
    pub fn new(url: String, exchange: String, node_id: String) -> Self {
        AmqpBridge {
            url,
            exchange,
            node_id,
            channel: None,
            connection: None,
            bindings: HashMap::new(),
            rooms: None,
            presence: None,
            backoff: Duration::from_millis(250),
        }
    }

    fn queue(&self) -> String {
        format!("veza.node.{}", self.node_id)
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        let (url, exchange, queue) = (self.url.clone(), self.exchange.clone(), self.queue());
        let keys: Vec<String> = self.bindings.keys().cloned().collect();
        let fut = async move {
            let conn = Connection::connect(&url, ConnectionProperties::default()).await?;
            let ch = conn.create_channel().await?;
            ch.confirm_select(ConfirmSelectOptions::default()).await?;
            let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
            ch.exchange_declare(exchange.as_str().into(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
            let q = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
            ch.queue_declare(queue.as_str().into(), q, FieldTable::default()).await?;
            ch.basic_qos(256, BasicQosOptions::default()).await?;
            for key in keys.iter().map(String::as_str).chain(["node.broadcast"]) {
                ch.queue_bind(
                    queue.as_str().into(),
                    exchange.as_str().into(),
                    key.into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            }
            let consumer = ch
                .basic_consume(
                    queue.as_str().into(),
                    "veza".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            Ok::<_, lapin::Error>((conn, ch, consumer))
        };
        ctx.spawn(fut.into_actor(self).map(|res, this, ctx| match res {
            Ok((conn, ch, consumer)) => {
                tracing::info!(queue = %this.queue(), "connected to RabbitMQ");
                this.backoff = Duration::from_millis(250);
                // Whatever crossed the broker while it was away is read back from PostgreSQL.
                if let Some(rooms) = &this.rooms {
                    rooms.resync_all();
                }
                this.connection = Some(conn);
                this.channel = Some(ch);
                ctx.add_stream(consumer);
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = this.backoff.as_millis() as u64, "RabbitMQ unavailable; fan-out stays local");
                this.reconnect_later(ctx);
            }
        }));
    }

    fn reconnect_later(&mut self, ctx: &mut Context<Self>) {
        self.channel = None;
        self.connection = None;
        let wait = self.backoff;
        self.backoff = (self.backoff * 2).min(Duration::from_secs(10));
        ctx.run_later(wait, |this, ctx| this.connect(ctx));
    }

    fn bind(&self, key: String, bind: bool, ctx: &mut Context<Self>) {
        let Some(ch) = self.channel.clone() else { return };
        let (queue, exchange) = (self.queue(), self.exchange.clone());
        ctx.spawn(
            async move {
                let r = if bind {
                    ch.queue_bind(
                        queue.as_str().into(),
                        exchange.as_str().into(),
                        key.as_str().into(),
                        QueueBindOptions::default(),
                        FieldTable::default(),
                    )
                    .await
                } else {
                    ch.queue_unbind(
                        queue.as_str().into(),
                        exchange.as_str().into(),
                        key.as_str().into(),
                        FieldTable::default(),
                    )
                    .await
                };
                if let Err(e) = r {
                    tracing::warn!(error = %e, %key, "binding change failed");
                }
            }
            .into_actor(self),
        );
    }
}

impl Actor for AmqpBridge {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        self.connect(ctx);
    }
}

impl Supervised for AmqpBridge {}

/// Late wiring: where received frames go (the registry is built after the fan-out).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach {
    pub rooms: RoomRegistry,
    pub presence: Addr<Presence>,
}

impl Handler<Attach> for AmqpBridge {
    type Result = ();
    fn handle(&mut self, m: Attach, _: &mut Context<Self>) {
        self.rooms = Some(m.rooms);
        self.presence = Some(m.presence);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Publish {
    key: String,
    body: Vec<u8>,
}

impl Handler<Publish> for AmqpBridge {
    type Result = ();
    fn handle(&mut self, m: Publish, ctx: &mut Context<Self>) {
        let Some(ch) = self.channel.clone() else { return };
        let exchange = self.exchange.clone();
        ctx.spawn(
            async move {
                let sent = ch
                    .basic_publish(
                        exchange.as_str().into(),
                        m.key.as_str().into(),
                        BasicPublishOptions::default(),
                        &m.body,
                        BasicProperties::default(),
                    )
                    .await;
                match sent {
                    Ok(confirm) => {
                        if let Err(e) = confirm.await {
                            tracing::warn!(error = %e, "publish not confirmed");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "publish failed"),
                }
            }
            .into_actor(self),
        );
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Binding {
    key: String,
    /// +1 subscribe, -1 unsubscribe.
    delta: i32,
}

impl Handler<Binding> for AmqpBridge {
    type Result = ();
    fn handle(&mut self, m: Binding, ctx: &mut Context<Self>) {
        let count = self.bindings.entry(m.key.clone()).or_insert(0);
        let before = *count;
        *count = (*count as i64 + i64::from(m.delta)).max(0) as usize;
        let after = *count;
        if after == 0 {
            self.bindings.remove(&m.key);
        }
        match (before, after) {
            (0, 1..) => self.bind(m.key, true, ctx),
            (1.., 0) => self.bind(m.key, false, ctx),
            _ => {}
        }
    }
}

impl StreamHandler<Result<lapin::message::Delivery, lapin::Error>> for AmqpBridge {
    fn handle(&mut self, item: Result<lapin::message::Delivery, lapin::Error>, _: &mut Context<Self>) {
        let Ok(delivery) = item else { return };
        if let Some(env) = decode(&delivery.data).filter(|e| e.origin != self.node_id) {
            let frame = SharedFrame::new(env.frame);
            match (env.kind, env.room, env.user) {
                (EnvelopeKind::Room, Some(room), _) => {
                    if let Some(rooms) = self.rooms.clone() {
                        actix::spawn(async move {
                            let Ok(addr) = rooms.get(room).await else { return };
                            // Messages join the seq order; everything else is news.
                            if matches!(frame.frame, ServerFrame::Message { .. }) {
                                addr.do_send(Committed(frame));
                            } else {
                                addr.do_send(Notify { frame, except: None, publish: false });
                            }
                        });
                    }
                }
                (EnvelopeKind::User, _, Some(user)) => {
                    if let Some(p) = &self.presence {
                        p.do_send(ToUser { user, frame });
                    }
                }
                _ => {}
            }
        }
        // Acked once handed to local fan-out (or skipped as our own).
        actix::spawn(async move {
            let _ = delivery.ack(BasicAckOptions::default()).await;
        });
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        tracing::warn!("RabbitMQ consumer ended; reconnecting");
        self.reconnect_later(ctx);
    }
}

/// The `Fanout` port over the bridge; user frames also go to this node's connections at once.
pub struct AmqpFanout {
    bridge: Addr<AmqpBridge>,
    local: LocalFanout,
    node_id: String,
}

impl AmqpFanout {
    pub fn new(bridge: Addr<AmqpBridge>, presence: Addr<Presence>, node_id: String) -> Arc<Self> {
        Arc::new(AmqpFanout { bridge, local: LocalFanout::new(presence), node_id })
    }

    fn publish(&self, key: String, env: Envelope) {
        self.bridge.do_send(Publish { key, body: encode(&env) });
    }
}

impl Fanout for AmqpFanout {
    fn publish_room(&self, room: Uuid, frame: Arc<SharedFrame>) {
        let env = Envelope {
            origin: self.node_id.clone(),
            kind: EnvelopeKind::Room,
            room: Some(room),
            user: None,
            seq: frame.seq(),
            frame: frame.frame.clone(),
        };
        self.publish(format!("room.{room}"), env);
    }

    fn publish_user(&self, user: Uuid, frame: Arc<SharedFrame>) {
        let env = Envelope {
            origin: self.node_id.clone(),
            kind: EnvelopeKind::User,
            room: None,
            user: Some(user),
            seq: None,
            frame: frame.frame.clone(),
        };
        self.local.publish_user(user, frame);
        self.publish(format!("user.{user}"), env);
    }

    fn subscribe_room(&self, room: Uuid) {
        self.bridge.do_send(Binding { key: format!("room.{room}"), delta: 1 });
    }
    fn unsubscribe_room(&self, room: Uuid) {
        self.bridge.do_send(Binding { key: format!("room.{room}"), delta: -1 });
    }
    fn subscribe_user(&self, user: Uuid) {
        self.bridge.do_send(Binding { key: format!("user.{user}"), delta: 1 });
    }
    fn unsubscribe_user(&self, user: Uuid) {
        self.bridge.do_send(Binding { key: format!("user.{user}"), delta: -1 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip() {
        let env = Envelope {
            origin: "n1".into(),
            kind: EnvelopeKind::Room,
            room: Some(Uuid::from_u128(5)),
            user: None,
            seq: Some(9),
            frame: ServerFrame::Pong,
        };
        let back = decode(&encode(&env));
        assert_eq!(
            back.as_ref().map(|e| (e.origin.as_str(), e.kind, e.seq)),
            Some(("n1", EnvelopeKind::Room, Some(9)))
        );
        assert!(decode(b"garbage").is_none());
    }
}
