//! A relevance cursor: where the next page starts (an offset) in which ranking (the index
//! generation the first page was read from, on which node process). Scores move with every
//! commit, so a page read from a newer generation could repeat or skip; the node keeps recent
//! generations readable (`SearchHandle::searcher`) and a cursor pages within its own. Past
//! that (minutes later, or on another node) it goes on at the same offset in the current one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Results a cursor can reach per type (as far as Meilisearch pages by default).
pub const MAX_REACH: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The index instance (`SearchHandle::epoch`); 0 when PostgreSQL answered.
    pub epoch: u64,
    pub generation: u64,
    pub offset: usize,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("r1:{:x}:{}:{}", self.epoch, self.generation, self.offset))
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        if s.len() > 128 {
            return None;
        }
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let mut parts = text.strip_prefix("r1:")?.split(':');
        let epoch = u64::from_str_radix(parts.next()?, 16).ok()?;
        let generation = parts.next()?.parse().ok()?;
        let offset: usize = parts.next()?.parse().ok()?;
        (parts.next().is_none() && offset < MAX_REACH).then_some(Cursor { epoch, generation, offset })
    }

    /// The generation to read, when it is this process's.
    pub fn generation_here(&self, epoch: u64) -> Option<u64> {
        (self.epoch == epoch && epoch != 0).then_some(self.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let c = Cursor { epoch: 0xabc, generation: 7, offset: 40 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(c.generation_here(0xabc), Some(7));
        assert_eq!(c.generation_here(0xabd), None);
        for bad in ["", "nope", "r1:1:2", &URL_SAFE_NO_PAD.encode("r1:zz:1:2"), &URL_SAFE_NO_PAD.encode("r1:1:2:3:4")] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        assert_eq!(Cursor::decode(&Cursor { epoch: 1, generation: 1, offset: MAX_REACH }.encode()), None);
        assert_eq!(Cursor::decode(&"a".repeat(200)), None);
    }
}
