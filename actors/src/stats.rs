//! Counters the realtime core moves; the application registers them with its Prometheus registry.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge};

#[derive(Clone)]
pub struct ChatStats {
    pub connections: IntGauge,
    pub messages: IntCounter,
    pub unstorable: IntCounter,
    pub deliveries: IntCounter,
    pub slow_consumers: IntCounter,
    pub rooms_live: IntGauge,
    pub commit_seconds: Histogram,
    /// Messages per writer batch.
    pub commit_batch_size: Histogram,
}

impl ChatStats {
    pub fn new() -> Result<Self, prometheus::Error> {
        Ok(ChatStats {
            connections: IntGauge::new("veza_ws_connections", "Open WebSocket connections")?,
            messages: IntCounter::new("veza_chat_messages_total", "Chat messages committed")?,
            unstorable: IntCounter::new(
                "veza_chat_messages_unstorable_total",
                "Chat messages the store refused for their data (answered message_unstorable)",
            )?,
            deliveries: IntCounter::new("veza_chat_deliveries_total", "Chat frames handed to connections")?,
            slow_consumers: IntCounter::new(
                "veza_ws_slow_consumer_disconnects_total",
                "Connections dropped because they did not keep up",
            )?,
            rooms_live: IntGauge::new("veza_chat_rooms_live", "Room actors running on this node")?,
            commit_seconds: Histogram::with_opts(
                HistogramOpts::new("veza_chat_commit_seconds", "Time to commit one batch of chat messages")
                    .buckets(vec![0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0]),
            )?,
            commit_batch_size: Histogram::with_opts(
                HistogramOpts::new("veza_chat_commit_batch_size", "Messages per writer batch")
                    .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0]),
            )?,
        })
    }

    pub fn register(&self, registry: &prometheus::Registry) -> Result<(), prometheus::Error> {
        registry.register(Box::new(self.connections.clone()))?;
        registry.register(Box::new(self.messages.clone()))?;
        registry.register(Box::new(self.unstorable.clone()))?;
        registry.register(Box::new(self.deliveries.clone()))?;
        registry.register(Box::new(self.slow_consumers.clone()))?;
        registry.register(Box::new(self.rooms_live.clone()))?;
        registry.register(Box::new(self.commit_seconds.clone()))?;
        registry.register(Box::new(self.commit_batch_size.clone()))?;
        Ok(())
    }
}
