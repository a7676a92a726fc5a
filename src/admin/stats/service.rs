//! The stats on `AdminService`: the stored rollup and the heartbeats.

use crate::admin::model::AdminError;
use crate::admin::service::AdminCore;
use crate::stats::model::AdminStats;
use crate::stats::rollup::{self, Timing};
use actix::Message;
use std::time::Duration;

/// The numbers now.
#[derive(Debug, Message)]
#[rtype(result = "Result<AdminStats, AdminError>")]
pub struct GetStats;

crate::delegate_to_core!(AdminCore {
    GetStats => stats,
});

impl AdminCore {
    pub async fn stats(&self, _: GetStats) -> Result<AdminStats, AdminError> {
        // Counts by hour and node heartbeats: nothing an admin wrote, a replica may answer.
        let mut conn = self.state.reads.conn(None).await.map_err(AdminError::from)?;
        let c = &self.state.config;
        let unreachable_after = Duration::from_millis(c.stats.unreachable_after_ms);
        Ok(rollup::read(&mut conn, c.node_id(), Timing::of(&c.stats), unreachable_after).await?)
    }
}
