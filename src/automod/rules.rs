//! The runtime setting `automod.rules`, as written (`RuleSpec`) and as checked and compiled
//! once per change (`RuleSet`): words in a set, each pattern its own size-bounded `Regex`.
//! (One `RegexSet` per rule measured slower in the burst benchmark: a set runs one engine for
//! all its patterns and drops to the slowest as soon as one pattern needs it, e.g. a Unicode
//! `\b` on a non-ASCII message, where single regexes each keep their literal prefilter.)

use super::engine::{Matcher, Rule, RuleSet};
use super::model::{RuleAction, Surface};
use regex::RegexBuilder;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

/// Most rules in a set, words per rule, patterns per rule, characters per pattern.
const MAX_RULES: usize = 100;
const MAX_WORDS: usize = 1000;
const MAX_PATTERNS: usize = 50;
const MAX_PATTERN_CHARS: usize = 200;
/// The compiled program and the lazy DFA of one rule's patterns stay under these.
const REGEX_SIZE: usize = 1 << 20;
const DFA_SIZE: usize = 2 << 20;

/// What a rule looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Any of `words` (whole words, case-insensitive).
    Words,
    /// Any of `patterns` (Rust `regex` syntax).
    Regex,
    /// More than `max_mentions` `@username` mentions in one message.
    Mentions,
    /// More than `max_messages` messages within `per_secs` from one user.
    Flood,
}

/// One rule as written in `automod.rules`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    #[serde(rename = "match")]
    pub kind: MatchKind,
    #[serde(default)]
    pub words: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    pub max_mentions: Option<u32>,
    pub max_messages: Option<u32>,
    pub per_secs: Option<u64>,
    pub action: RuleAction,
    pub timeout_secs: Option<u64>,
    #[serde(default)]
    pub exempt_roles: Vec<String>,
    #[serde(default)]
    pub exempt_rooms: Vec<Uuid>,
    /// Matches are logged (and counted), nothing is done.
    #[serde(default)]
    pub log_only: bool,
    /// Default: every surface for words and patterns; mentions and flood are chat-only.
    pub applies_to: Option<Vec<Surface>>,
}

/// `automod.rules` checked and compiled, or why not (one line naming the rule).
pub fn compile(value: &serde_json::Value) -> Result<RuleSet, String> {
    let specs: Vec<RuleSpec> =
        serde_json::from_value(value.clone()).map_err(|e| format!("not a list of rules: {e}"))?;
    if specs.len() > MAX_RULES {
        return Err(format!("at most {MAX_RULES} rules"));
    }
    let mut names = HashSet::new();
    let mut rules = Vec::with_capacity(specs.len());
    for spec in specs {
        let name = spec.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 64 || !names.insert(name.clone()) {
            return Err(format!("rule `{name}`: a name of 1 to 64 characters, each rule its own"));
        }
        rules.push(rule(spec, name.clone()).map_err(|e| format!("rule `{name}`: {e}"))?);
    }
    Ok(RuleSet::new(rules))
}

/// The old `chat.banned_words` list as a rule: chat messages, blocked.
pub fn banned_words(words: &HashSet<String>) -> Option<Rule> {
    (!words.is_empty()).then(|| Rule {
        name: "chat.banned_words".into(),
        matcher: Matcher::Words(words.clone()),
        action: RuleAction::Block,
        timeout: Duration::ZERO,
        exempt_roles: Vec::new(),
        exempt_rooms: HashSet::new(),
        log_only: false,
        surfaces: vec![Surface::Messages],
    })
}

fn rule(spec: RuleSpec, name: String) -> Result<Rule, String> {
    let chat_only = matches!(spec.kind, MatchKind::Mentions | MatchKind::Flood);
    let matcher = match spec.kind {
        MatchKind::Words => {
            if spec.words.is_empty() || spec.words.len() > MAX_WORDS {
                return Err(format!("`words`: 1 to {MAX_WORDS} words"));
            }
            let mut set = HashSet::new();
            for w in &spec.words {
                let w = w.trim().to_lowercase();
                if w.is_empty() || w.chars().count() > 64 || w.chars().any(|c| !c.is_alphanumeric()) {
                    return Err("`words`: each a word of 1 to 64 letters or digits".into());
                }
                set.insert(w);
            }
            Matcher::Words(set)
        }
        MatchKind::Regex => {
            if spec.patterns.is_empty() || spec.patterns.len() > MAX_PATTERNS {
                return Err(format!("`patterns`: 1 to {MAX_PATTERNS} patterns"));
            }
            if spec.patterns.iter().any(|p| p.is_empty() || p.chars().count() > MAX_PATTERN_CHARS) {
                return Err(format!("`patterns`: each 1 to {MAX_PATTERN_CHARS} characters"));
            }
            let mut compiled = Vec::with_capacity(spec.patterns.len());
            for p in &spec.patterns {
                let re = RegexBuilder::new(p)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE)
                    .dfa_size_limit(DFA_SIZE)
                    .build()
                    .map_err(|e| format!("`patterns`: {e}"))?;
                compiled.push(re);
            }
            Matcher::Patterns(compiled)
        }
        MatchKind::Mentions => match spec.max_mentions {
            Some(n @ 1..=100) => Matcher::Mentions(n),
            _ => return Err("`max_mentions`: 1 to 100".into()),
        },
        MatchKind::Flood => match (spec.max_messages, spec.per_secs) {
            (Some(n @ 1..=1000), Some(s @ 1..=3600)) => Matcher::Flood { max: n, per: Duration::from_secs(s) },
            _ => return Err("`max_messages` 1 to 1000 within `per_secs` 1 to 3600".into()),
        },
    };
    let timeout = match (spec.action, spec.timeout_secs) {
        (RuleAction::Timeout, Some(s @ 10..=604_800)) => Duration::from_secs(s),
        (RuleAction::Timeout, None) => Duration::from_secs(300),
        (RuleAction::Timeout, Some(_)) => return Err("`timeout_secs`: 10 s to 7 days".into()),
        (_, Some(_)) => return Err("`timeout_secs` only with `action: timeout`".into()),
        (_, None) => Duration::ZERO,
    };
    for r in &spec.exempt_roles {
        if !matches!(r.as_str(), "user" | "moderator" | "admin") {
            return Err(format!("`exempt_roles`: `{r}` is not user, moderator or admin"));
        }
    }
    let surfaces = match spec.applies_to {
        None if chat_only => vec![Surface::Messages],
        None => vec![Surface::Messages, Surface::Listings, Surface::Tracks],
        Some(s) if s.is_empty() => return Err("`applies_to`: at least one of messages, listings, tracks".into()),
        Some(s) if chat_only && s.iter().any(|s| *s != Surface::Messages) => {
            return Err("mentions and flood apply to messages only".into());
        }
        Some(s) => s,
    };
    Ok(Rule {
        name,
        matcher,
        action: spec.action,
        timeout,
        exempt_roles: spec.exempt_roles,
        exempt_rooms: spec.exempt_rooms.into_iter().collect(),
        log_only: spec.log_only,
        surfaces,
    })
}
