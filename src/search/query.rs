//! A search box's text as a query: words (all must match; the last also as a prefix while the
//! user is still typing it), `"exact phrases"` and `-exclusions`; each word's typo allowance
//! from its length (Meilisearch's rule: one edit from 5 letters, two from 9, both settings).

use super::analyzer;

/// What a query may be, and how forgiving it is.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub max_chars: usize,
    pub max_terms: usize,
    /// Words of at least this many letters match with one typo.
    pub one_typo_from: usize,
    /// Words of at least this many letters match with two typos.
    pub two_typos_from: usize,
    /// The last word matches as a prefix from this many letters.
    pub prefix_from: usize,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { max_chars: 256, max_terms: 10, one_typo_from: 5, two_typos_from: 9, prefix_from: 2 }
    }
}

impl Rules {
    /// The default rules with `(one_from, two_from)` typo thresholds when given.
    pub fn with_typos(typos: Option<(usize, usize)>) -> Rules {
        let mut rules = Rules::default();
        if let Some((one, two)) = typos {
            rules.one_typo_from = one;
            rules.two_typos_from = two;
        }
        rules
    }
}

/// A word to find: the analysed term, the edits it forgives, and whether it is being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub term: String,
    pub typos: u8,
    pub prefix: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub words: Vec<Word>,
    /// Terms that must follow each other exactly (a quoted single word is an exact word).
    pub phrases: Vec<Vec<String>>,
    pub excluded: Vec<Vec<String>>,
}

impl Parsed {
    /// The query as counted among popular ones: its analysed words, phrases quoted,
    /// exclusions dashed, so `Café  MOOG` and `cafe moog` count as one.
    pub fn normalized(&self) -> String {
        let words = self.words.iter().map(|w| w.term.clone());
        let phrases = self.phrases.iter().map(|p| format!("\"{}\"", p.join(" ")));
        let excluded = self.excluded.iter().map(|x| match x.as_slice() {
            [one] => format!("-{one}"),
            many => format!("-\"{}\"", many.join(" ")),
        });
        words.chain(phrases).chain(excluded).collect::<Vec<_>>().join(" ")
    }

    /// Every term the query names, for counting and highlighting.
    pub fn term_count(&self) -> usize {
        self.words.len() + self.phrases.iter().chain(&self.excluded).map(Vec::len).sum::<usize>()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query has nothing to search for")]
    Empty,
    #[error("the query is longer than {0} characters")]
    TooLong(usize),
    #[error("the query has more than {0} terms")]
    TooManyTerms(usize),
}

/// A piece of the raw text before analysis.
enum Piece<'a> {
    Word(&'a str),
    Phrase(&'a str),
    Exclude(&'a str),
}

/// Splits on white space; `"..."` is one piece (an unclosed quote runs to the end); a leading
/// `-` excludes the word or phrase it is attached to.
fn pieces(q: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = q;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else { break };
        let (negated, body) = match rest.strip_prefix('-') {
            Some(b) if !b.is_empty() && !b.starts_with(char::is_whitespace) => (true, b),
            _ => (false, rest),
        };
        if let Some(quoted) = body.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            let text = &quoted[..end];
            out.push(if negated { Piece::Exclude(text) } else { Piece::Phrase(text) });
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        let end = body.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(body.len());
        let (text, after) = body.split_at(end);
        if text.is_empty() {
            // A lone `-` or a quote after it: skip one character.
            rest = &rest[first.len_utf8()..];
            continue;
        }
        out.push(if negated { Piece::Exclude(text) } else { Piece::Word(text) });
        rest = after;
    }
    out
}

fn terms(text: &str) -> Vec<String> {
    analyzer::terms(text).into_iter().map(|t| t.text).collect()
}

/// The typos a term of `term`'s length forgives.
pub fn typos(term: &str, rules: &Rules) -> u8 {
    match term.chars().count() {
        n if n >= rules.two_typos_from => 2,
        n if n >= rules.one_typo_from => 1,
        _ => 0,
    }
}

/// Reads `q` under `rules`.
pub fn parse(q: &str, rules: &Rules) -> Result<Parsed, QueryError> {
    if q.chars().count() > rules.max_chars {
        return Err(QueryError::TooLong(rules.max_chars));
    }
    let typing = !q.ends_with(char::is_whitespace) && !q.ends_with('"');
    let mut parsed = Parsed::default();
    let mut last_is_word = false;
    for piece in pieces(q) {
        last_is_word = false;
        match piece {
            Piece::Word(w) => {
                for term in terms(w) {
                    parsed.words.push(Word { typos: typos(&term, rules), term, prefix: false });
                    last_is_word = true;
                }
            }
            Piece::Phrase(p) => {
                let t = terms(p);
                if !t.is_empty() {
                    parsed.phrases.push(t);
                }
            }
            Piece::Exclude(x) => {
                let t = terms(x);
                if !t.is_empty() {
                    parsed.excluded.push(t);
                }
            }
        }
    }
    if parsed.term_count() > rules.max_terms {
        return Err(QueryError::TooManyTerms(rules.max_terms));
    }
    if parsed.words.is_empty() && parsed.phrases.is_empty() {
        return Err(QueryError::Empty);
    }
    if typing
        && last_is_word
        && let Some(last) = parsed.words.last_mut()
        && last.term.chars().count() >= rules.prefix_from
    {
        last.prefix = true;
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Result<Parsed, QueryError> {
        parse(q, &Rules::default())
    }

    fn word(term: &str, typos: u8, prefix: bool) -> Word {
        Word { term: term.into(), typos, prefix }
    }

    #[test]
    fn words_typos_by_length_and_the_last_as_prefix() {
        let q = p("Vinyl Synthesizer drum").unwrap_or_default();
        assert_eq!(q.words, [word("vinyl", 1, false), word("synthesizer", 2, false), word("drum", 0, true)]);
        // A trailing space: the user finished the word.
        assert!(!p("drum ").unwrap_or_default().words[0].prefix);
        // One letter is too little to expand.
        assert!(!p("drum k").unwrap_or_default().words[1].prefix);
        assert_eq!(typos("abcd", &Rules::default()), 0);
        assert_eq!(typos("abcde", &Rules::default()), 1);
        assert_eq!(typos("abcdefgh", &Rules::default()), 1);
        assert_eq!(typos("abcdefghi", &Rules::default()), 2);
        let strict = Rules { one_typo_from: 7, two_typos_from: 100, ..Rules::default() };
        assert_eq!(typos("abcdefghi", &strict), 1);
        assert_eq!(typos("abcde", &strict), 0);
    }

    #[test]
    fn phrases_exclusions_and_accents() {
        let q = p(r#"café "Blue Note" -cheap -"for parts" jazz"#).unwrap_or_default();
        assert_eq!(q.words, [word("cafe", 0, false), word("jazz", 0, true)]);
        assert_eq!(q.phrases, [vec!["blue".to_string(), "note".into()]]);
        assert_eq!(q.excluded, [vec!["cheap".to_string()], vec!["for".into(), "parts".into()]]);
        // An unclosed quote runs to the end; a lone dash is nothing.
        let q = p(r#"moog - "minimoog mod"#).unwrap_or_default();
        assert_eq!(q.phrases, [vec!["minimoog".to_string(), "mod".into()]]);
        assert_eq!(q.words, [word("moog", 0, false)]);
        // A hyphenated word is two words, not an exclusion.
        assert_eq!(p("lo-fi").unwrap_or_default().words, [word("lo", 0, false), word("fi", 0, true)]);
    }

    #[test]
    fn normalized_folds_case_accents_and_spacing() {
        let n = |q: &str| p(q).map(|q| q.normalized()).unwrap_or_default();
        assert_eq!(n("  Café   MOOG "), "cafe moog");
        assert_eq!(n("cafe moog"), n("CAFÉ Moog"));
        assert_eq!(n(r#"jazz "Blue  Note" -cheap -"for parts""#), r#"jazz "blue note" -cheap -"for parts""#);
    }

    #[test]
    fn refusals() {
        assert_eq!(p(""), Err(QueryError::Empty));
        assert_eq!(p("   "), Err(QueryError::Empty));
        assert_eq!(p("-rock -\"pop\""), Err(QueryError::Empty));
        assert_eq!(p("!!! ... ---"), Err(QueryError::Empty));
        assert_eq!(p(&"a".repeat(257)), Err(QueryError::TooLong(256)));
        let word = "é".repeat(24);
        let accents = format!("{}{}", [word.as_str(); 10].join(" "), " ".repeat(7));
        assert_eq!((accents.chars().count(), accents.len()), (256, 496));
        assert!(p(&accents).is_ok(), "characters, not bytes");
        assert_eq!(p("a b c d e f g h i j k"), Err(QueryError::TooManyTerms(10)));
        assert_eq!(p("a b c d e \"f g h\" -i -j").map(|q| q.term_count()), Ok(10));
    }
}
