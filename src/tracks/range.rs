//! The `Range` request header (RFC 9110 §14.2) resolved against a representation's length:
//! pure, so it is unit-tested and fuzzed apart from the server.
//!
//! Rules, after nginx where the RFC leaves a choice: a header that does not parse, or names a
//! unit other than `bytes`, is ignored (200, the whole body); ranges are clamped to the body,
//! sorted and coalesced when they overlap or touch; none satisfiable is 416; more than
//! `MAX_RANGES` after coalescing is answered whole (many tiny ranges cost more than the body).

/// An inclusive byte range within the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    /// How many bytes the range holds (never 0: a range names at least one byte).
    pub fn bytes(&self) -> u64 {
        self.end - self.start + 1
    }

    /// `bytes a-b/len`, the `Content-Range` of this part.
    pub fn content_range(&self, total: u64) -> String {
        format!("bytes {}-{}/{total}", self.start, self.end)
    }
}

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ranges {
    /// No usable `Range`: 200 with the whole body.
    Whole,
    /// 206: one range, or several as `multipart/byteranges`; sorted, disjoint, not touching.
    Partial(Vec<ByteRange>),
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// The most ranges answered as parts; beyond it the body is sent whole.
pub const MAX_RANGES: usize = 16;
/// Longest header read; a longer one is ignored like any malformed header.
const MAX_HEADER: usize = 1024;

/// One spec as written: `a-b`, `a-` or `-n`.
enum Spec {
    From(u64, Option<u64>),
    Suffix(u64),
}

fn digits(s: &str) -> Option<u64> {
    let s = s.trim_matches(|c| c == ' ' || c == '\t');
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn spec(raw: &str) -> Option<Spec> {
    let (first, last) = raw.trim_matches(|c| c == ' ' || c == '\t').split_once('-')?;
    if first.trim().is_empty() {
        return Some(Spec::Suffix(digits(last)?));
    }
    let start = digits(first)?;
    let end = if last.trim().is_empty() { None } else { Some(digits(last)?) };
    if end.is_some_and(|e| e < start) {
        return None; // RFC 9110: an inverted range makes the whole header invalid
    }
    Some(Spec::From(start, end))
}

/// Resolves `header` against a body of `len` bytes.
pub fn resolve(header: &str, len: u64) -> Ranges {
    if header.len() > MAX_HEADER {
        return Ranges::Whole;
    }
    let Some((unit, set)) = header.split_once('=') else { return Ranges::Whole };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Ranges::Whole;
    }
    let mut specs = Vec::new();
    for part in set.split(',') {
        if part.trim().is_empty() {
            continue; // the list grammar allows empty elements
        }
        match spec(part) {
            Some(s) => specs.push(s),
            None => return Ranges::Whole,
        }
    }
    if specs.is_empty() {
        return Ranges::Whole;
    }
    let mut ranges: Vec<ByteRange> = specs
        .into_iter()
        .filter_map(|s| match s {
            Spec::From(start, _) if start >= len => None,
            Spec::From(start, end) => Some(ByteRange { start, end: end.map_or(len - 1, |e| e.min(len - 1)) }),
            Spec::Suffix(0) => None,
            Spec::Suffix(_) if len == 0 => None,
            Spec::Suffix(n) => Some(ByteRange { start: len.saturating_sub(n), end: len - 1 }),
        })
        .collect();
    if ranges.is_empty() {
        return Ranges::Unsatisfiable;
    }
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<ByteRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(1) => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    if merged.len() > MAX_RANGES {
        return Ranges::Whole;
    }
    Ranges::Partial(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(v: &[(u64, u64)]) -> Ranges {
        Ranges::Partial(v.iter().map(|&(start, end)| ByteRange { start, end }).collect())
    }

    #[test]
    fn single_ranges_of_every_form() {
        assert_eq!(resolve("bytes=0-0", 100), parts(&[(0, 0)]), "first byte");
        assert_eq!(resolve("bytes=99-99", 100), parts(&[(99, 99)]), "last byte");
        assert_eq!(resolve("bytes=-10", 100), parts(&[(90, 99)]), "suffix");
        assert_eq!(resolve("bytes=-1000", 100), parts(&[(0, 99)]), "suffix longer than the body");
        assert_eq!(resolve("bytes=50-", 100), parts(&[(50, 99)]), "open-ended");
        assert_eq!(resolve("bytes=50-1000", 100), parts(&[(50, 99)]), "end clamped");
        assert_eq!(resolve("Bytes = 1-2", 100), parts(&[(1, 2)]), "unit case and spaces");
    }

    #[test]
    fn unsatisfiable_ranges_are_416() {
        assert_eq!(resolve("bytes=100-", 100), Ranges::Unsatisfiable, "beyond the end");
        assert_eq!(resolve("bytes=100-200", 100), Ranges::Unsatisfiable);
        assert_eq!(resolve("bytes=-0", 100), Ranges::Unsatisfiable, "an empty suffix");
        assert_eq!(resolve("bytes=0-", 0), Ranges::Unsatisfiable, "an empty body");
        assert_eq!(resolve("bytes=-5", 0), Ranges::Unsatisfiable);
        assert_eq!(resolve("bytes=200-300, 400-", 100), Ranges::Unsatisfiable);
    }

    #[test]
    fn malformed_or_foreign_headers_are_ignored() {
        for h in
            ["", "bytes", "bytes=", "bytes=abc", "bytes=5-1", "bytes=1-2-3", "items=0-1", "bytes=0x1-2", "bytes=--1"]
        {
            assert_eq!(resolve(h, 100), Ranges::Whole, "{h:?}");
        }
        assert_eq!(resolve("bytes=1-2,5-1", 100), Ranges::Whole, "one inverted spec spoils the header");
        assert_eq!(resolve(&format!("bytes={}", "1-2,".repeat(400)), 100), Ranges::Whole, "too long");
        assert_eq!(resolve("bytes=99999999999999999999-", 100), Ranges::Whole, "beyond u64");
    }

    #[test]
    fn several_ranges_are_sorted_and_coalesced() {
        assert_eq!(resolve("bytes=0-9, 20-29", 100), parts(&[(0, 9), (20, 29)]));
        assert_eq!(resolve("bytes=20-29, 0-9", 100), parts(&[(0, 9), (20, 29)]), "sorted");
        assert_eq!(resolve("bytes=0-9, 5-14", 100), parts(&[(0, 14)]), "overlapping");
        assert_eq!(resolve("bytes=0-9, 10-19", 100), parts(&[(0, 19)]), "touching");
        assert_eq!(resolve("bytes=0-9, 200-", 100), parts(&[(0, 9)]), "unsatisfiable parts dropped");
        assert_eq!(resolve("bytes=0-1,,4-5", 100), parts(&[(0, 1), (4, 5)]), "empty list elements");
        let many: String = (0..17).map(|i| format!("{}-{}", i * 3, i * 3)).collect::<Vec<_>>().join(",");
        assert_eq!(resolve(&format!("bytes={many}"), 100), Ranges::Whole, "too many parts: whole");
    }

    proptest::proptest! {
        // CI's net for the fuzz target `range_header`: any header, any length.
        #[test]
        fn any_header_resolves_inside_the_body(header in "(bytes|Bytes|items)?=?[0-9 ,\\-]{0,40}", len in 0u64..5000) {
            if let Ranges::Partial(parts) = resolve(&header, len) {
                proptest::prop_assert!(!parts.is_empty() && parts.len() <= MAX_RANGES);
                proptest::prop_assert!(parts.iter().all(|r| r.start <= r.end && r.end < len));
                proptest::prop_assert!(parts.windows(2).all(|w| w[0].end + 1 < w[1].start));
            }
        }
    }

    #[test]
    fn content_range_names_the_part_and_the_total() {
        let r = ByteRange { start: 5, end: 9 };
        assert_eq!((r.bytes(), r.content_range(100)), (5, "bytes 5-9/100".to_owned()));
    }
}
