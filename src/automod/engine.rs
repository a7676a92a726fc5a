//! A compiled rule set judging one text: the most severe rule that matches decides (timeout,
//! then block, then flag); log-only rules are logged and decide nothing; exempt roles and rooms
//! skip a rule.

use super::model::{RuleAction, Surface};
use regex::Regex;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;
use veza_core::UserId;

pub enum Matcher {
    Words(HashSet<String>),
    Patterns(Vec<Regex>),
    Mentions(u32),
    Flood { max: u32, per: Duration },
}

pub struct Rule {
    pub name: String,
    pub matcher: Matcher,
    pub action: RuleAction,
    pub timeout: Duration,
    pub exempt_roles: Vec<String>,
    pub exempt_rooms: HashSet<Uuid>,
    pub log_only: bool,
    pub surfaces: Vec<Surface>,
}

/// Who wrote what where.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub surface: Surface,
    pub user: UserId,
    /// The room, for a chat message.
    pub room: Option<Uuid>,
    pub roles: &'a [String],
}

/// What the rules decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Flag(Arc<str>),
    Block(Arc<str>),
    Timeout(Arc<str>, Duration),
}

impl Verdict {
    fn severity(&self) -> u8 {
        match self {
            Verdict::Allow => 0,
            Verdict::Flag(_) => 1,
            Verdict::Block(_) => 2,
            Verdict::Timeout(..) => 3,
        }
    }
}

#[derive(Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Some rule counts a user's recent messages.
    floods: bool,
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> RuleSet {
        let floods = rules.iter().any(|r| matches!(r.matcher, Matcher::Flood { .. }));
        RuleSet { rules, floods }
    }

    /// This set with `rule` first (the `chat.banned_words` list).
    pub fn with(mut self, rule: Option<Rule>) -> RuleSet {
        if let Some(r) = rule {
            self.rules.insert(0, r);
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a flood rule needs each message counted.
    pub fn counts_messages(&self) -> bool {
        self.floods
    }

    /// Judges `text`; `recent(per)` answers how many messages the subject sent within `per`,
    /// this one included (asked only by flood rules).
    pub fn judge(&self, s: &Subject<'_>, text: &str, recent: &dyn Fn(Duration) -> u32) -> Verdict {
        // The text's words, lowercased once, only if a words rule asks.
        let mut words: Option<Vec<String>> = None;
        let mut verdict = Verdict::Allow;
        for rule in &self.rules {
            if !rule.surfaces.contains(&s.surface)
                || rule.exempt_roles.iter().any(|r| s.roles.contains(r))
                || s.room.is_some_and(|room| rule.exempt_rooms.contains(&room))
            {
                continue;
            }
            let hit = match &rule.matcher {
                Matcher::Words(set) => {
                    let words = words.get_or_insert_with(|| self::words(text).collect());
                    words.iter().any(|w| set.contains(w))
                }
                Matcher::Patterns(set) => set.iter().any(|re| re.is_match(text)),
                Matcher::Mentions(max) => mentions(text) > *max,
                Matcher::Flood { max, per } => recent(*per) > *max,
            };
            if !hit {
                continue;
            }
            if rule.log_only {
                tracing::info!(target: "veza::automod", rule = %rule.name, user = %s.user, surface = ?s.surface,
                    action = ?rule.action, "log-only rule matched");
                continue;
            }
            let name: Arc<str> = Arc::from(rule.name.as_str());
            let this = match rule.action {
                RuleAction::Flag => Verdict::Flag(name),
                RuleAction::Block => Verdict::Block(name),
                RuleAction::Timeout => Verdict::Timeout(name, rule.timeout),
            };
            if this.severity() > verdict.severity() {
                verdict = this;
            }
        }
        verdict
    }
}

/// Lowercased words of a text, split on anything that is not a letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// `@username` mentions in `text` (3 to 32 of `a-z0-9_` after an `@` that starts a word).
pub fn mentions(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'@' && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let len = bytes[i + 1..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
            if (3..=32).contains(&len) {
                n += 1;
            }
            i += len + 1;
        } else {
            i += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::super::rules::compile;
    use super::*;
    use serde_json::json;

    fn subject(roles: &[String]) -> Subject<'_> {
        Subject { surface: Surface::Messages, user: UserId(Uuid::nil()), room: None, roles }
    }

    #[test]
    fn the_most_severe_match_decides_and_exemptions_skip() {
        let set = compile(&json!([
            { "name": "links", "match": "regex", "patterns": ["https?://"], "action": "flag" },
            { "name": "slurs", "match": "words", "words": ["Zorp"], "action": "block", "exempt_roles": ["moderator"] },
            { "name": "pings", "match": "mentions", "max_mentions": 2, "action": "timeout", "timeout_secs": 60 },
            { "name": "watch", "match": "words", "words": ["hello"], "action": "block", "log_only": true },
        ]))
        .expect("compiles");
        let none = |_: Duration| 0;
        let user = [String::from("user")];
        assert_eq!(set.judge(&subject(&user), "hello world", &none), Verdict::Allow, "log-only");
        assert_eq!(set.judge(&subject(&user), "see http://x", &none), Verdict::Flag("links".into()));
        assert_eq!(set.judge(&subject(&user), "ZORP! http://x", &none), Verdict::Block("slurs".into()));
        let moderator = [String::from("user"), String::from("moderator")];
        assert_eq!(set.judge(&subject(&moderator), "zorp", &none), Verdict::Allow, "exempt role");
        let pings = "@ann @bob @cid zorp";
        assert_eq!(set.judge(&subject(&user), pings, &none), Verdict::Timeout("pings".into(), Duration::from_secs(60)));
        let listing = Subject { surface: Surface::Listings, ..subject(&user) };
        assert_eq!(set.judge(&listing, pings, &none), Verdict::Block("slurs".into()), "mentions are chat-only");
    }

    #[test]
    fn floods_count_recent_messages() {
        let set = compile(&json!([
            { "name": "flood", "match": "flood", "max_messages": 3, "per_secs": 10, "action": "timeout" },
        ]))
        .expect("compiles");
        assert!(set.counts_messages());
        let user = [String::from("user")];
        assert_eq!(set.judge(&subject(&user), "hi", &|_| 3), Verdict::Allow);
        assert!(matches!(set.judge(&subject(&user), "hi", &|_| 4), Verdict::Timeout(..)));
    }

    #[test]
    fn bad_rules_are_refused_with_their_name() {
        for bad in [
            json!({ "name": "x" }),
            json!([{ "name": "", "match": "words", "words": ["a"], "action": "block" }]),
            json!([{ "name": "r", "match": "regex", "patterns": ["("], "action": "block" }]),
            json!([{ "name": "r", "match": "regex", "patterns": ["\\w{1000}{1000}"], "action": "block" }]),
            json!([{ "name": "w", "match": "words", "words": ["two words"], "action": "block" }]),
            json!([{ "name": "m", "match": "mentions", "action": "block" }]),
            json!([{ "name": "f", "match": "flood", "max_messages": 3, "per_secs": 10, "action": "block", "applies_to": ["listings"] }]),
            json!([{ "name": "t", "match": "words", "words": ["a"], "action": "block", "timeout_secs": 60 }]),
            json!([{ "name": "e", "match": "words", "words": ["a"], "action": "block", "exempt_roles": ["king"] }]),
            json!([{ "name": "d", "match": "words", "words": ["a"], "action": "block" }, { "name": "d", "match": "words", "words": ["b"], "action": "flag" }]),
            json!([{ "name": "u", "match": "words", "words": ["a"], "action": "block", "colour": "red" }]),
        ] {
            assert!(compile(&bad).is_err(), "{bad}");
        }
        assert_eq!(mentions("@ann, @b @carl_x mail@host.com @@dan"), 3);
        assert_eq!(words("Buy SPAM-now, ok?").collect::<Vec<_>>(), ["buy", "spam", "now", "ok"]);
    }
}
