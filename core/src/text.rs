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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must be {min} to {max} characters")]
    Length { min: usize, max: usize },
    #[error("must not contain control characters")]
    Control,
}

impl TextRule {
    /// One line: no control character at all.
    pub const fn line(min: usize, max: usize) -> Self {
        TextRule { min, max, allowed_controls: &[] }
    }

    /// Prose: line breaks allowed.
    pub const fn prose(min: usize, max: usize) -> Self {
        TextRule { min, max, allowed_controls: &['\n'] }
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

/// The one check of a chat send (body and `client_id`), over WebSocket and REST alike. NUL is
/// refused in both: PostgreSQL cannot store it in `text`, and a message that cannot be stored
/// must be refused at the edge, never handed to the writer's batch.
pub fn check_send(body: &str, client_id: &str) -> Result<(), SendInvalid> {
    let chars = body.chars().count();
    if chars == 0 || chars > MAX_BODY_CHARS || body.trim().is_empty() || body.contains('\0') {
        return Err(SendInvalid::Body);
    }
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_BYTES || client_id.contains('\0') {
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
