//! `ChatPolicy`: the `SendPolicy` port — the per-user send rate through the shared limiter,
//! banned words from the runtime settings, and typing throttling.

use crate::ratelimit::{Decision, Quota, RateLimiter};
use crate::settings::Settings;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use veza_actors::ports::{BoxFut, Refusal, SendPolicy};
use veza_core::Code;
use veza_core::{RoomId, UserId};

pub struct ChatPolicy {
    limiter: RateLimiter,
    settings: Settings,
    quota: Quota,
    typing_every: Duration,
    typing: Mutex<HashMap<(UserId, RoomId), Instant>>,
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

    fn banned(&self, body: &str) -> Result<(), Refusal> {
        match self.settings.banned_word_in(body) {
            Some(_) => {
                Err(Refusal { code: Code::MessageRejected, message: "the message contains a banned word".into() })
            }
            None => Ok(()),
        }
    }
}

fn decided(decision: Decision) -> Result<(), Refusal> {
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after } => Err(Refusal {
            code: Code::RateLimited,
            message: format!("too many messages; retry in {} ms", retry_after.as_millis()),
        }),
    }
}

fn send_key(user: UserId) -> String {
    format!("chat:send:{user}")
}

impl SendPolicy for ChatPolicy {
    fn check_send(&self, user: UserId, body: &str) -> BoxFut<Result<(), Refusal>> {
        let banned = self.banned(body);
        let (limiter, quota) = (self.limiter.clone(), self.quota);
        Box::pin(async move {
            banned?;
            decided(limiter.check(&send_key(user), quota).await)
        })
    }

    fn check_send_now(&self, user: UserId, body: &str) -> Option<Result<(), Refusal>> {
        if let Err(refusal) = self.banned(body) {
            return Some(Err(refusal));
        }
        self.limiter.check_now(&send_key(user), self.quota).map(decided)
    }

    fn allow_typing(&self, user: UserId, room: RoomId) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_limiter_decides_sends_without_waiting_and_counts_each() {
        let p = ChatPolicy::new(RateLimiter::local(), Settings::default(), 60, 2, Duration::from_secs(1));
        let user = UserId::new_v7();
        assert_eq!(p.check_send_now(user, "one"), Some(Ok(())));
        assert_eq!(p.check_send_now(user, "two"), Some(Ok(())));
        let third = p.check_send_now(user, "three");
        assert_eq!(third.and_then(|r| r.err()).map(|r| r.code.as_str()), Some("rate_limited"), "a burst of 2");
        assert_eq!(p.check_send_now(UserId::new_v7(), "other"), Some(Ok(())), "per user");
    }
}
