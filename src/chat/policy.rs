//! `ChatPolicy`: the `SendPolicy` port — automatic moderation (`automod`: the runtime rules,
//! `chat.banned_words` among them, timeouts, flags), the per-user send rate through the shared
//! limiter, and typing throttling.

use crate::automod::engine::{Subject, Verdict};
use crate::automod::model::Surface;
use crate::automod::pace::{Pace, Timeouts};
use crate::automod::{FlagQueue, Flagged, FlaggedTarget};
use crate::ratelimit::{Decision, Quota, RateLimiter};
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use veza_actors::ports::{Allowed, BoxFut, Refusal, SendPolicy, Sender};
use veza_core::Code;
use veza_core::{MessageId, RoomId, UserId};

/// The longest window a flood rule may count over.
const LONGEST_FLOOD: Duration = Duration::from_secs(3600);

pub struct ChatPolicy {
    limiter: RateLimiter,
    settings: Settings,
    quota: Quota,
    typing_every: Duration,
    typing: Mutex<HashMap<(UserId, RoomId), Instant>>,
    pace: Pace,
    timeouts: Timeouts,
    flags: FlagQueue,
}

/// What the policy is built from.
pub struct PolicyParts {
    pub limiter: RateLimiter,
    pub settings: Settings,
    pub per_minute: u32,
    pub burst: u32,
    pub typing_every: Duration,
    pub timeouts: Timeouts,
    pub flags: FlagQueue,
}

impl ChatPolicy {
    pub fn new(p: PolicyParts) -> Self {
        ChatPolicy {
            limiter: p.limiter,
            settings: p.settings,
            quota: Quota::per_minute(p.per_minute, p.burst),
            typing_every: p.typing_every,
            typing: Mutex::new(HashMap::new()),
            pace: Pace::default(),
            timeouts: p.timeouts,
            flags: p.flags,
        }
    }

    /// The send rate: an admin's (`rate_limits.chat_send`), else the config file's.
    fn quota(&self) -> Quota {
        self.settings.tuned().chat_send.map_or(self.quota, |r| Quota::per_minute(r.per_minute, r.burst))
    }

    /// The rules' verdict on a send (a timeout it earns is imposed here).
    fn judge(&self, from: &Sender, body: &str) -> Result<Allowed, Refusal> {
        if let Some(until) = self.timeouts.of(from.user) {
            return Err(timed_out(until));
        }
        let rules = self.settings.automod();
        if rules.is_empty() {
            return Ok(Allowed::default());
        }
        let times = rules.counts_messages().then(|| self.pace.record(from.user, LONGEST_FLOOD));
        let recent = |per| times.as_ref().map_or(0, |t| t.within(per));
        let subject =
            Subject { surface: Surface::Messages, user: from.user, room: Some(from.room.uuid()), roles: &from.roles };
        match rules.judge(&subject, body, &recent) {
            Verdict::Allow => Ok(Allowed::default()),
            Verdict::Flag(rule) => Ok(Allowed { flag: Some(rule) }),
            Verdict::Block(_) => {
                Err(Refusal { code: Code::MessageRejected, message: "the message breaks a moderation rule".into() })
            }
            Verdict::Timeout(_, d) => Err(timed_out(self.timeouts.impose(from.user, d))),
        }
    }
}

fn timed_out(until: DateTime<Utc>) -> Refusal {
    let until = until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Refusal { code: Code::Muted, message: format!("you are timed out until {until}") }
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
    fn check_send(&self, from: &Sender, body: &str) -> BoxFut<Result<Allowed, Refusal>> {
        let judged = self.judge(from, body);
        let (limiter, quota, user) = (self.limiter.clone(), self.quota(), from.user);
        Box::pin(async move {
            let allowed = judged?;
            decided(limiter.check(&send_key(user), quota).await)?;
            Ok(allowed)
        })
    }

    fn check_rules(&self, from: &Sender, body: &str) -> Result<Allowed, Refusal> {
        self.judge(from, body)
    }

    fn check_send_now(&self, from: &Sender, body: &str) -> Option<Result<Allowed, Refusal>> {
        let allowed = match self.judge(from, body) {
            Ok(allowed) => allowed,
            Err(refusal) => return Some(Err(refusal)),
        };
        self.limiter.check_now(&send_key(from.user), self.quota()).map(|d| decided(d).map(|()| allowed))
    }

    fn flagged(&self, from: &Sender, message: MessageId, rule: &str) {
        self.flags.flag(Flagged { target: FlaggedTarget::Message(message), user: from.user, rule: rule.to_owned() });
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
        let (inbox, _rx) = crate::infra::events::inbox();
        let (flags, _inbox) = crate::automod::flag_queue();
        let p = ChatPolicy::new(PolicyParts {
            limiter: RateLimiter::local(),
            settings: Settings::default(),
            per_minute: 60,
            burst: 2,
            typing_every: Duration::from_secs(1),
            timeouts: Timeouts::new(crate::infra::events::NodeBus::new(inbox, None)),
            flags,
        });
        let from = |user| Sender { user, room: RoomId::new_v7(), roles: std::sync::Arc::from(Vec::new()) };
        let user = from(UserId::new_v7());
        assert_eq!(p.check_send_now(&user, "one"), Some(Ok(Allowed::default())));
        assert_eq!(p.check_send_now(&user, "two"), Some(Ok(Allowed::default())));
        let third = p.check_send_now(&user, "three");
        assert_eq!(third.and_then(|r| r.err()).map(|r| r.code.as_str()), Some("rate_limited"), "a burst of 2");
        assert_eq!(p.check_send_now(&from(UserId::new_v7()), "other"), Some(Ok(Allowed::default())), "per user");
    }
}
