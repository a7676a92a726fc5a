//! `ChatPolicy`: the `SendPolicy` port — the per-user send rate through the shared limiter,
//! banned words from the runtime settings, and typing throttling.

use crate::ratelimit::{Decision, Quota, RateLimiter};
use crate::settings::Settings;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;
use veza_actors::ports::{BoxFut, Refusal, SendPolicy};

pub struct ChatPolicy {
    limiter: RateLimiter,
    settings: Settings,
    quota: Quota,
    typing_every: Duration,
    typing: Mutex<HashMap<(Uuid, Uuid), Instant>>,
}

impl ChatPolicy {
    pub fn new(limiter: RateLimiter, settings: Settings, per_minute: u32, burst: u32, typing_every: Duration) -> Self {
        ChatPolicy {
            limiter,
            settings,
            quota: Quota::per_minute(per_minute, burst),
            typing_every,
            typing: Mutex::new(HashMap::new()),
        }
    }
}

impl SendPolicy for ChatPolicy {
    fn check_send(&self, user: Uuid, body: &str) -> BoxFut<Result<(), Refusal>> {
        let banned = self.settings.banned_word_in(body);
        let (limiter, quota) = (self.limiter.clone(), self.quota);
        Box::pin(async move {
            if banned.is_some() {
                return Err(Refusal { code: "message_rejected", message: "the message contains a banned word".into() });
            }
            match limiter.check(&format!("chat:send:{user}"), quota).await {
                Decision::Allowed => Ok(()),
                Decision::Limited { retry_after } => Err(Refusal {
                    code: "rate_limited",
                    message: format!("too many messages; retry in {} ms", retry_after.as_millis()),
                }),
            }
        })
    }

    fn allow_typing(&self, user: Uuid, room: Uuid) -> bool {
        let Ok(mut map) = self.typing.lock() else { return false };
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, t| now.duration_since(*t) < self.typing_every);
        }
        match map.get(&(user, room)) {
            Some(t) if now.duration_since(*t) < self.typing_every => false,
            _ => {
                map.insert((user, room), now);
                true
            }
        }
    }
}
