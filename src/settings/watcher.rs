//! `SettingsWatcher`: polls the settings version every interval and reloads on change, so a
//! change made on any node (or while the broker is away) reaches this one.

use super::Settings;
use crate::db::DbPool;
use actix::prelude::*;
use std::time::Duration;

pub struct SettingsWatcher {
    settings: Settings,
    pool: DbPool,
    interval: Duration,
}

impl SettingsWatcher {
    pub fn new(settings: Settings, pool: DbPool, interval: Duration) -> Self {
        SettingsWatcher { settings, pool, interval }
    }
}

impl Actor for SettingsWatcher {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |this, ctx| {
            let (settings, pool) = (this.settings.clone(), this.pool.clone());
            ctx.spawn(
                async move {
                    match settings.refresh(&pool).await {
                        Ok(true) => tracing::info!(version = settings.version(), "settings reloaded"),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "settings poll failed"),
                    }
                }
                .into_actor(this),
            );
        });
    }
}

impl Supervised for SettingsWatcher {}
