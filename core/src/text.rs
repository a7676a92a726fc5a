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

    /// `raw` trimmed, if it keeps the rule.
    pub fn check<'a>(&self, raw: &'a str) -> Result<&'a str, TextError> {
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
}

/// Message bodies: 1 to 4,000 characters.
pub const MAX_BODY_CHARS: usize = 4000;
/// A send's `client_id`: 1 to 64 bytes.
pub const MAX_CLIENT_ID_BYTES: usize = 64;

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

/// The one check of a chat send (body and `client_id`), over WebSocket and REST alike. NUL is
/// refused in both: PostgreSQL cannot store it in `text`, and a message that cannot be stored
/// must be refused at the edge, never handed to the writer's batch.
pub fn check_send(body: &str, client_id: &str) -> Result<(), SendInvalid> {
    let chars = body.chars().count();
    if chars == 0 || chars > MAX_BODY_CHARS || body.trim().is_empty() || !storable(body) {
        return Err(SendInvalid::Body);
    }
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_BYTES || !storable(client_id) {
        return Err(SendInvalid::ClientId);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_trim_count_characters_and_refuse_controls() {
        let title = TextRule::line(3, 5);
        assert_eq!(title.check("  héé  "), Ok("héé"));
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
