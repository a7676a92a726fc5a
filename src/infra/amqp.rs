//! RabbitMQ fan-out between nodes (the `Fanout` port when `amqp.url` is set). Each node has
//! its own exclusive, auto-delete queue `veza.node.<node_id>` on the topic exchange, bound to
//! `room.<id>` while it has local members there and to `user.<id>` while that user is
//! connected to it, and to `node.broadcast` for node events (`events.rs`). Envelopes are
//! MessagePack (`envelope.rs`); a node skips its own. Local delivery never waits on the broker: when it is
//! away, publishes are dropped and the Rooms' `seq` rule heals the gap from PostgreSQL. The
//! link state feeds `/health` and `veza_dependency_up{dependency="amqp"}`.

use actix::prelude::*;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use veza_actors::conn::UserControl;
use veza_actors::ports::Fanout;
use veza_actors::presence::{LocalFanout, Presence, ToUser, ToUserControl};
use veza_actors::protocol::{ServerFrame, SharedFrame};
use veza_actors::room::{Committed, Notify};
use veza_actors::rooms::RoomRegistry;
use veza_core::{RoomId, UserId};

use super::envelope::{Envelope, EnvelopeKind, decode, encode, now_us};
use super::events::{NodeEvent, NodeInbox, PublishNode};
use crate::metrics::Metrics;
use crate::telemetry::{current_traceparent, follow_traceparent};
use tracing::Instrument;

/// The routing key every node is bound to.
const BROADCAST: &str = "node.broadcast";

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
    /// Node events from other nodes are applied through it.
    inbox: NodeInbox,
    backoff: Duration,
    /// True while connected: read by the dependency monitor.
    link: Arc<AtomicBool>,
    draining: bool,
    metrics: Metrics,
}

impl AmqpBridge {
    pub fn new(
        url: String,
        exchange: String,
        node_id: String,
        link: Arc<AtomicBool>,
        inbox: NodeInbox,
        metrics: Metrics,
    ) -> Self {
        AmqpBridge {
            url,
            exchange,
            node_id,
            channel: None,
            connection: None,
            bindings: HashMap::new(),
            rooms: None,
            presence: None,
            inbox,
            backoff: Duration::from_millis(250),
            link,
            draining: false,
            metrics,
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
            for key in keys.iter().map(String::as_str).chain([BROADCAST]) {
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
                this.link.store(true, Ordering::Relaxed);
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
        self.link.store(false, Ordering::Relaxed);
        if self.draining {
            return;
        }
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

    fn publish(&self, key: String, body: Vec<u8>, ctx: &mut Context<Self>) {
        let Some(ch) = self.channel.clone() else { return };
        self.metrics.amqp_envelopes.with_label_values(&["out"]).inc();
        let exchange = self.exchange.clone();
        ctx.spawn(
            async move {
                let sent = ch
                    .basic_publish(
                        exchange.as_str().into(),
                        key.as_str().into(),
                        BasicPublishOptions::default(),
                        &body,
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

impl Handler<PublishNode> for AmqpBridge {
    type Result = ();
    fn handle(&mut self, m: PublishNode, ctx: &mut Context<Self>) {
        let env = Envelope::node(self.node_id.clone(), m.0);
        self.publish(BROADCAST.to_owned(), encode(&env), ctx);
    }
}

/// Drain: close the link, so the node's queue and every binding go at once (rather than
/// when the process exits), and do not reconnect.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnect;

impl Handler<Disconnect> for AmqpBridge {
    type Result = ResponseActFuture<Self, ()>;
    fn handle(&mut self, _: Disconnect, _: &mut Context<Self>) -> Self::Result {
        self.draining = true;
        self.link.store(false, Ordering::Relaxed);
        let conn = self.connection.take();
        self.channel = None;
        Box::pin(
            async move {
                if let Some(conn) = conn {
                    let closing = conn.close(200, "node draining".into());
                    let _ = tokio::time::timeout(Duration::from_secs(2), closing).await;
                }
            }
            .into_actor(self),
        )
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
        self.publish(m.key, m.body, ctx);
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
            self.metrics.amqp_envelopes.with_label_values(&["in"]).inc();
            if let Some(sent) = env.sent_at_us {
                // Clocks of two hosts: a receiver behind the sender reads 0, never negative.
                self.metrics.chat_fanout_seconds.observe(now_us().saturating_sub(sent) as f64 / 1e6);
            }
            let span = fanout_span(&env);
            let _in_trace = span.enter();
            if let (EnvelopeKind::User, Some(user), Some(control), Some(p)) =
                (env.kind, env.user, env.control.clone(), &self.presence)
            {
                p.do_send(ToUserControl { user, control });
            }
            match (env.kind, env.room, env.user, env.frame, env.event) {
                (EnvelopeKind::Room, Some(room), _, Some(frame), _) => {
                    let frame = SharedFrame::new(frame);
                    if let Some(rooms) = self.rooms.clone() {
                        let hand_off = async move {
                            let Ok(addr) = rooms.get(room).await else { return };
                            // Messages join the seq order; everything else is news.
                            if matches!(frame.frame, ServerFrame::Message { .. }) {
                                addr.do_send(Committed(frame));
                            } else {
                                addr.do_send(Notify { frame, except: None, publish: false });
                            }
                        };
                        actix::spawn(hand_off.instrument(span.clone()));
                    }
                }
                (EnvelopeKind::User, _, Some(user), Some(frame), _) => {
                    if let Some(p) = &self.presence {
                        p.do_send(ToUser { user, frame: SharedFrame::new(frame) });
                    }
                }
                (EnvelopeKind::Node, _, _, _, Some(event)) => {
                    self.inbox.apply(event);
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
        if self.draining {
            return;
        }
        tracing::warn!("RabbitMQ consumer ended; reconnecting");
        self.reconnect_later(ctx);
    }
}

/// The span of another node's room or user envelope here, in the trace it carries (tracing on).
fn fanout_span(env: &Envelope) -> tracing::Span {
    match (&env.traceparent, env.kind) {
        (Some(parent), EnvelopeKind::Room | EnvelopeKind::User) if veza_actors::trace::on() => {
            let span =
                tracing::info_span!(parent: None, "chat.fanout", origin = %env.origin, seq = env.seq.map(|s| s.0));
            follow_traceparent(&span, parent);
            span
        }
        _ => tracing::Span::none(),
    }
}

/// One node event from outside a node (the CLI): connect, publish, wait for the confirm.
pub async fn publish_once(url: &str, exchange: &str, origin: &str, event: NodeEvent) -> Result<(), lapin::Error> {
    let env = Envelope::node(origin.to_owned(), event);
    let conn = Connection::connect(url, ConnectionProperties::default()).await?;
    let ch = conn.create_channel().await?;
    ch.confirm_select(ConfirmSelectOptions::default()).await?;
    let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
    ch.exchange_declare(exchange.into(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
    let confirm = ch
        .basic_publish(
            exchange.into(),
            BROADCAST.into(),
            BasicPublishOptions::default(),
            &encode(&env),
            BasicProperties::default(),
        )
        .await?;
    confirm.await?;
    conn.close(200, "done".into()).await
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

    fn publish(&self, key: String, mut env: Envelope) {
        env.sent_at_us = Some(now_us());
        env.traceparent = current_traceparent();
        self.bridge.do_send(Publish { key, body: encode(&env) });
    }
}

impl Fanout for AmqpFanout {
    fn publish_room(&self, room: RoomId, frame: Arc<SharedFrame>) {
        let env = Envelope {
            origin: self.node_id.clone(),
            kind: EnvelopeKind::Room,
            room: Some(room),
            user: None,
            seq: frame.seq(),
            frame: Some(frame.frame.clone()),
            event: None,
            control: None,
            sent_at_us: None,
            traceparent: None,
        };
        self.publish(format!("room.{room}"), env);
    }

    fn publish_user(&self, user: UserId, frame: Arc<SharedFrame>) {
        let env = Envelope::user(self.node_id.clone(), user, Some(frame.frame.clone()), None);
        self.local.publish_user(user, frame);
        self.publish(format!("user.{user}"), env);
    }

    fn control_user(&self, user: UserId, control: UserControl) {
        let env = Envelope::user(self.node_id.clone(), user, None, Some(control.clone()));
        self.local.control_user(user, control);
        self.publish(format!("user.{user}"), env);
    }

    fn subscribe_room(&self, room: RoomId) {
        self.bridge.do_send(Binding { key: format!("room.{room}"), delta: 1 });
    }
    fn unsubscribe_room(&self, room: RoomId) {
        self.bridge.do_send(Binding { key: format!("room.{room}"), delta: -1 });
    }
    fn subscribe_user(&self, user: UserId) {
        self.bridge.do_send(Binding { key: format!("user.{user}"), delta: 1 });
    }
    fn unsubscribe_user(&self, user: UserId) {
        self.bridge.do_send(Binding { key: format!("user.{user}"), delta: -1 });
    }
}
