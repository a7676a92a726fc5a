//! Text a client sends: one rule for its length (in characters, after trimming) and the
//! control characters it may hold, and the one check of a chat send that the WebSocket session
//! and the REST post both apply.

/// A rule for one kind of text: `min..=max` characters once trimmed, and which control
/// characters are allowed (every other one, NUL included, is refused).
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    pub min: usize,
    pub max: usize,
    pub allowed_controls: &'static [char],
    /// Names: refuse invisible and direction-changing characters too.
    pub visible_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must be {min} to {max} characters")]
    Length { min: usize, max: usize },
    #[error("must not contain control characters")]
    Control,
    #[error("must not contain invisible or direction-changing characters")]
    Invisible,
}

/// Characters that change nothing a reader sees, or the order they see it in: zero-width
/// spaces and joiners, the soft hyphen, word joiners and invisible operators, the byte-order mark,
/// and the bidirectional embeddings, overrides, isolates and marks. In a name they only serve to
/// make two different accounts look alike (`rootadmin` and `rootadmin\u{200b}`).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// White space as `str::trim` knows it (Unicode White_Space), spelled out for a regex class:
/// Python's `\\s` also takes U+001C..U+001F, which `trim` keeps.
pub const WHITE_SPACE: &str =
    "\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// `is_invisible` as a regex class. The astral ranges are left to the server's check: no class
/// syntax for them reads alike in ECMA-262 and in Python's `re`.
const INVISIBLE_CLASS: &str = "\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0";

impl TextRule {
    /// One line: no control character at all.
    pub const fn line(min: usize, max: usize) -> Self {
        TextRule { min, max, allowed_controls: &[], visible_only: false }
    }

    /// Prose: line breaks allowed.
    pub const fn prose(min: usize, max: usize) -> Self {
        TextRule { min, max, allowed_controls: &['\n'], visible_only: false }
    }

    /// A name people recognise each other by: one line, every character visible.
    pub const fn name(min: usize, max: usize) -> Self {
        TextRule { min, max, allowed_controls: &[], visible_only: true }
    }

    pub const fn allowing(self, allowed_controls: &'static [char]) -> Self {
        TextRule { allowed_controls, ..self }
    }

    /// The rule as a JSON Schema `pattern` (ECMA-262, and read alike by Python's `re`, which
    /// schemathesis uses) over the text as sent: white space around it (what `check` trims),
    /// then text that starts and ends with a character that is not white space and holds no
    /// refused control or invisible character. The length bounds go in
    /// `maxLength` (the text as sent, as `check` counts it); `min` is in the pattern (trimmed).
    pub fn pattern(&self) -> String {
        let refused = self.refused_class();
        let edge = format!("[^{refused}{WHITE_SPACE}]");
        let inner = format!("[^{refused}]");
        // The trimmed text: first and last characters not white space, `min` at least.
        let core = match self.min {
            0 => format!("(?:{edge}(?:{inner}*{edge})?)?"),
            1 => format!("{edge}(?:{inner}*{edge})?"),
            n => format!("{edge}{inner}{{{},}}{edge}", n - 2),
        };
        format!("^[{WHITE_SPACE}]*{core}[{WHITE_SPACE}]*$")
    }

    /// The rule as a `pattern` for text taken exactly as sent (`check_exact`): no refused
    /// character anywhere; the length bounds go in `minLength`/`maxLength`.
    pub fn exact_pattern(&self) -> String {
        format!("^[^{}]*$", self.refused_class())
    }

    /// The rule as a `pattern` for text taken exactly as sent that must not be blank: no
    /// refused character anywhere, and one character at least that is not white space.
    pub fn not_blank_pattern(&self) -> String {
        let refused = self.refused_class();
        format!("^[^{refused}]*[^{refused}{WHITE_SPACE}][^{refused}]*$")
    }

    /// The characters the rule refuses, as the inside of a regex class: the C0 controls but
    /// the allowed ones, DEL and the C1 controls, and for names the invisible ones.
    fn refused_class(&self) -> String {
        let mut class = String::new();
        let mut run: Option<(u32, u32)> = None;
        let flush = |run: &mut Option<(u32, u32)>, class: &mut String| {
            if let Some((a, b)) = run.take() {
                class.push_str(&if a == b { format!("\\u{a:04x}") } else { format!("\\u{a:04x}-\\u{b:04x}") });
            }
        };
        for c in 0u32..0x20 {
            if char::from_u32(c).is_some_and(|c| self.allowed_controls.contains(&c)) {
                flush(&mut run, &mut class);
            } else {
                run = Some(run.map_or((c, c), |(a, _)| (a, c)));
            }
        }
        flush(&mut run, &mut class);
        class.push_str("\\u007f-\\u009f");
        if self.visible_only {
            class.push_str(INVISIBLE_CLASS);
        }
        class
    }

    /// `raw` trimmed, if it keeps the rule: at most `max` characters as sent (so padding
    /// cannot carry a longer text through), at least `min` once trimmed.
    pub fn check<'a>(&self, raw: &'a str) -> Result<&'a str, TextError> {
        if raw.chars().count() > self.max {
            return Err(TextError::Length { min: self.min, max: self.max });
        }
        let t = raw.trim();
        self.check_exact(t)?;
        Ok(t)
    }

    /// `text` as it is (no trimming).
    pub fn check_exact(&self, text: &str) -> Result<(), TextError> {
        let n = text.chars().count();
        if n < self.min || n > self.max {
            return Err(TextError::Length { min: self.min, max: self.max });
        }
        if text.chars().any(|c| c.is_control() && !self.allowed_controls.contains(&c)) {
            return Err(TextError::Control);
        }
        if self.visible_only && text.chars().any(is_invisible) {
            return Err(TextError::Invisible);
        }
        Ok(())
    }

    /// A tag as people type it: at most `max` characters as sent, then white space folded
    /// (trimmed, inner runs one space) and lowercased, then the rule exactly.
    pub fn tag(&self, raw: &str) -> Result<String, TextError> {
        if raw.chars().count() > self.max {
            return Err(TextError::Length { min: self.min, max: self.max });
        }
        let t = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        self.check_exact(&t)?;
        Ok(t)
    }

    /// Tags (`tag` each), duplicates dropped (first kept); at most `max_items` as sent, so a
    /// list that folds to fewer is still refused.
    pub fn tags(&self, raw: &[String], max_items: usize) -> Result<Vec<String>, TagsError> {
        if raw.len() > max_items {
            return Err(TagsError::TooMany);
        }
        let mut out: Vec<String> = Vec::with_capacity(raw.len());
        for r in raw {
            let t = self.tag(r).map_err(TagsError::Tag)?;
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(out)
    }
}

/// Why `TextRule::tags` refused a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TagsError {
    #[error("too many tags")]
    TooMany,
    #[error(transparent)]
    Tag(TextError),
}

/// Message bodies: 1 to 4,000 characters.
pub const MAX_BODY_CHARS: usize = 4000;
/// A send's `client_id`: 1 to 64 characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Why a chat send is refused before it reaches a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendInvalid {
    #[error("a message is 1 to 4000 characters")]
    Body,
    #[error("client_id is 1 to 64 characters")]
    ClientId,
}

impl SendInvalid {
    /// The field a REST problem names.
    pub fn field(self) -> &'static str {
        match self {
            SendInvalid::Body => "body",
            SendInvalid::ClientId => "client_id",
        }
    }

    /// The code of the WebSocket `error` frame.
    pub fn code(self) -> crate::Code {
        match self {
            SendInvalid::Body => crate::Code::MessageInvalid,
            SendInvalid::ClientId => crate::Code::FrameInvalid,
        }
    }
}

/// Can PostgreSQL store this in `text`? Everything but U+0000, which it refuses with SQLSTATE
/// 22021 when the value is bound, before any statement runs. The one definition of that rule:
/// the edge's checks and the chat store both ask here.
pub fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// A display name: what others see an account as (NFKC-folded by the server first).
pub const DISPLAY_NAME: TextRule = TextRule::name(0, 64);

/// A display name from elsewhere (an OAuth provider's profile), made to keep `DISPLAY_NAME`
/// rather than refused: control and invisible characters dropped, trimmed, cut at the maximum.
/// `folded` is the name after NFKC (the caller's Unicode tables). `None` when nothing is left.
pub fn display_name_from(folded: &str) -> Option<String> {
    let kept: String = folded.chars().filter(|c| !c.is_control() && !is_invisible(*c)).collect();
    let name: String = kept.trim().chars().take(DISPLAY_NAME.max).collect();
    let name = name.trim_end().to_owned();
    (!name.is_empty()).then_some(name)
}

/// A chat message's body, kept exactly as sent: 1 to 4000 characters, not only white space,
/// line breaks and tabs but no other control character (NUL included: PostgreSQL cannot store
/// it, and a message that cannot be stored must be refused at the edge, never handed to the
/// writer's batch).
pub const SEND_BODY: TextRule = TextRule::prose(1, MAX_BODY_CHARS).allowing(&['\n', '\t']);

/// A send's `client_id`, kept exactly as sent: 1 to 64 characters, no control character.
pub const CLIENT_ID: TextRule = TextRule::line(1, MAX_CLIENT_ID_CHARS);

/// The one check of a chat send (body and `client_id`), over WebSocket and REST alike.
pub fn check_send(body: &str, client_id: &str) -> Result<(), SendInvalid> {
    if SEND_BODY.check_exact(body).is_err() || body.trim().is_empty() {
        return Err(SendInvalid::Body);
    }
    if CLIENT_ID.check_exact(client_id).is_err() {
        return Err(SendInvalid::ClientId);
    }
    Ok(())
}

/// Starts every `client_id` a server API key stores (`<mark><key prefix>:<its id>`): a control
/// character, which a user's send refuses, so no user's id ever collides with a key's.
pub const SERVER_CLIENT_ID_MARK: char = '\u{1}';

/// A stored `client_id` as messages show it: a key's own id without its namespace (the key's
/// prefix stays private to the server), anything else as stored.
pub fn shown_client_id(stored: &str) -> &str {
    match stored.strip_prefix(SERVER_CLIENT_ID_MARK).and_then(|rest| rest.split_once(':')) {
        Some((_prefix, id)) => id,
        None => stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_client_ids_show_without_their_namespace() {
        assert_eq!(shown_client_id("\u{1}0123abcd:inv-42"), "inv-42");
        assert_eq!(shown_client_id("\u{1}0123abcd:a:b"), "a:b");
        assert_eq!(shown_client_id("m1"), "m1");
        assert_eq!(shown_client_id("x:y"), "x:y");
    }

    #[test]
    fn rules_trim_count_characters_and_refuse_controls() {
        let title = TextRule::line(3, 5);
        assert_eq!(title.check(" héé "), Ok("héé"), "padding within the maximum");
        assert_eq!(title.check("ab"), Err(TextError::Length { min: 3, max: 5 }));
        assert_eq!(title.check("abcdef"), Err(TextError::Length { min: 3, max: 5 }));
        assert_eq!(title.check("a\0bc"), Err(TextError::Control));
        assert_eq!(TextRule::prose(0, 9).check("a\nb"), Ok("a\nb"));
        assert_eq!(TextRule::prose(0, 9).check("a\tb"), Err(TextError::Control));
        assert_eq!(TextRule::prose(0, 9).allowing(&['\n', '\t']).check("a\tb"), Ok("a\tb"));
        let name = TextRule::name(1, 64);
        assert_eq!(name.check(" Ada Lovelace "), Ok("Ada Lovelace"));
        assert_eq!(name.check("Zoë 李"), Ok("Zoë 李"), "letters of any script are fine");
        for sneaky in ["rootadmin\u{200b}", "ad\u{202e}nim", "x\u{2066}y", "\u{feff}bob", "a\u{00ad}b"] {
            assert_eq!(name.check(sneaky), Err(TextError::Invisible), "{sneaky:?}");
        }
        assert_eq!(TextRule::line(1, 64).check("rootadmin\u{200b}"), Ok("rootadmin\u{200b}"), "only names refuse them");
    }

    #[test]
    fn a_send_needs_a_body_and_a_client_id() {
        assert_eq!(check_send("hi", "c-1"), Ok(()));
        assert_eq!(check_send("   ", "c-1"), Err(SendInvalid::Body));
        assert_eq!(check_send(&"x".repeat(MAX_BODY_CHARS + 1), "c"), Err(SendInvalid::Body));
        assert_eq!(check_send(&"é".repeat(MAX_BODY_CHARS), "c"), Ok(()));
        assert_eq!(check_send("hi", ""), Err(SendInvalid::ClientId));
        assert_eq!(check_send("hi", &"c".repeat(65)), Err(SendInvalid::ClientId));
        assert_eq!(check_send("a\0b", "c"), Err(SendInvalid::Body), "PostgreSQL cannot store NUL");
        assert_eq!(check_send("hi", "c\0"), Err(SendInvalid::ClientId));
        assert_eq!(check_send("line\nnext\ttab", "c"), Ok(()), "other controls are stored fine");
        assert_eq!(SendInvalid::Body.code().as_str(), "message_invalid");
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::*;

    #[test]
    fn patterns_spell_out_the_rule() {
        let line = TextRule::line(1, 80).pattern();
        assert!(line.contains("[^\\u0000-\\u001f\\u007f-\\u009f\\t\\n"), "{line}");
        assert!(!line.contains(")?)?["), "at least one character: {line}");
        let optional = TextRule::line(0, 80).pattern();
        assert!(optional.contains(")?)?["), "an empty text is allowed: {optional}");
        let prose = SEND_BODY.exact_pattern();
        assert_eq!(prose, "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$");
        let name = TextRule::name(0, 64).exact_pattern();
        assert!(name.contains("\\u200b-\\u200f") && name.contains("\\ufeff"), "{name}");
    }

    #[test]
    fn a_send_refuses_controls_but_line_breaks_and_tabs_and_takes_the_body_as_sent() {
        assert_eq!(check_send(" two\tcolumns\nand a line ", "c1"), Ok(()));
        assert_eq!(check_send("bell\u{7}", "c1"), Err(SendInvalid::Body));
        assert_eq!(check_send(" \n\t ", "c1"), Err(SendInvalid::Body), "white space only");
        assert_eq!(check_send("hi", &"é".repeat(64)), Ok(()), "64 characters, whatever their bytes");
        assert_eq!(check_send("hi", &"é".repeat(65)), Err(SendInvalid::ClientId));
        assert_eq!(check_send("hi", "tab\tid"), Err(SendInvalid::ClientId));
    }
}

#[cfg(test)]
mod display_name_tests {
    use super::*;

    #[test]
    fn a_name_from_elsewhere_is_made_to_keep_the_rule() {
        assert_eq!(display_name_from(" Ana\u{200b} Lee\u{7} "), Some("Ana Lee".into()));
        assert_eq!(display_name_from("\u{202e}\u{feff} "), None);
        let long = display_name_from(&"é".repeat(100)).unwrap_or_default();
        assert_eq!(long.chars().count(), 64);
        assert!(DISPLAY_NAME.check(&long).is_ok());
    }
}
