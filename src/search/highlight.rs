//! Highlights: a hit's text, HTML-escaped, with `<mark>` around each word the query matched,
//! typo and prefix matches included (tantivy's snippet generator marks exact terms only, so the
//! matching is redone here with the same rules as the index: the same analyzer, the same
//! Levenshtein automata with transpositions, the same prefix allowance). Long text is cut to a
//! window around its first match.

use super::analyzer::{self, Term};
use super::query::{Parsed, Word};
use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// How much of a long text a snippet shows, in characters.
const SNIPPET_CHARS: usize = 200;
/// Characters kept before the first match when a long text is cut.
const LEAD_CHARS: usize = 60;

/// tantivy's fuzzy queries' automaton builders, by allowance (1 and 2 edits, a swap of two
/// neighbours costing one): building one is slow, building a word's automaton from it is not.
static BUILDERS: LazyLock<[LevenshteinAutomatonBuilder; 2]> =
    LazyLock::new(|| [LevenshteinAutomatonBuilder::new(1, true), LevenshteinAutomatonBuilder::new(2, true)]);

/// How one query word recognises a text's term.
enum Matcher {
    /// No typo allowed: equal, or starting with the word while typed.
    Exact { term: String, prefix: bool },
    /// The same automaton the index's fuzzy (or fuzzy prefix) query ran, so a highlight marks
    /// exactly what the index matched.
    Within { term: String, dfa: DFA, typos: u8 },
}

impl Matcher {
    fn new(w: &Word) -> Matcher {
        match w.typos {
            0 => Matcher::Exact { term: w.term.clone(), prefix: w.prefix },
            n => {
                let builder = &BUILDERS[usize::from(n.min(2)) - 1];
                let dfa = if w.prefix { builder.build_prefix_dfa(&w.term) } else { builder.build_dfa(&w.term) };
                Matcher::Within { term: w.term.clone(), dfa, typos: n.min(2) }
            }
        }
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Matcher::Exact { term, prefix } => text == term || (*prefix && text.starts_with(term.as_str())),
            Matcher::Within { term, dfa, typos } => {
                text == term || matches!(dfa.eval(text), Distance::Exact(d) if d <= *typos)
            }
        }
    }
}

/// A query made ready to mark text: its words' matchers built once for every field of every
/// hit of a page.
pub struct Marker<'q> {
    q: &'q Parsed,
    words: Vec<Matcher>,
}

impl<'q> Marker<'q> {
    pub fn new(q: &'q Parsed) -> Marker<'q> {
        Marker { q, words: q.words.iter().map(Matcher::new).collect() }
    }

    /// Which of `terms` the query matched.
    fn marked(&self, terms: &[Term]) -> Vec<bool> {
        let mut marks: Vec<bool> = terms.iter().map(|t| self.words.iter().any(|w| w.matches(&t.text))).collect();
        for phrase in self.q.phrases.iter().filter(|p| !p.is_empty()) {
            for start in 0..terms.len().saturating_sub(phrase.len() - 1) {
                let run = &terms[start..start + phrase.len()];
                if run.iter().zip(phrase).all(|(t, p)| t.text == *p) {
                    marks[start..start + phrase.len()].iter_mut().for_each(|m| *m = true);
                }
            }
        }
        marks
    }
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The byte offset `chars` characters before (negative) or after `at` in `text`, on a boundary.
fn step(text: &str, at: usize, chars: isize) -> usize {
    if chars < 0 {
        text[..at].char_indices().rev().nth(chars.unsigned_abs() - 1).map_or(0, |(i, _)| i)
    } else {
        text[at..].char_indices().nth(chars.unsigned_abs()).map_or(text.len(), |(i, _)| at + i)
    }
}

/// `text` with the query's matches marked, or `None` when nothing in it matched.
pub fn highlight(m: &Marker<'_>, text: &str, cut: bool) -> Option<String> {
    let terms = analyzer::terms(text);
    let marks = m.marked(&terms);
    let first = marks.iter().position(|m| *m)?;
    let (mut from, mut to) = (0, text.len());
    if cut && text.chars().count() > SNIPPET_CHARS {
        let start = terms[first].span.start;
        from = step(text, start, -(LEAD_CHARS as isize));
        // Start on a word, not in the middle of one.
        if from > 0 {
            from = terms.iter().map(|t| t.span.start).find(|s| *s >= from).unwrap_or(start);
        }
        to = step(text, from, SNIPPET_CHARS as isize);
    }
    let mut out = String::with_capacity(to - from + 16);
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for (t, m) in terms.iter().zip(&marks) {
        if !*m || t.span.start < from || t.span.end > to {
            continue;
        }
        escape(&text[at..t.span.start], &mut out);
        out.push_str("<mark>");
        escape(&text[t.span.clone()], &mut out);
        out.push_str("</mark>");
        at = t.span.end;
    }
    escape(&text[at..to], &mut out);
    if to < text.len() {
        out.push('…');
    }
    Some(out)
}

/// The highlighted fields of a result, by the names its view gives them (long text cut),
/// and its tags joined by `, ` under `tags`; only fields with a match.
pub fn fields(m: &Marker<'_>, texts: &[(&str, Option<&str>)], tags: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, text) in texts {
        if let Some(h) = text.and_then(|t| highlight(m, t, true)) {
            out.insert((*name).to_owned(), h);
        }
    }
    let marked: Vec<Option<String>> = tags.iter().map(|t| highlight(m, t, false)).collect();
    if marked.iter().any(Option::is_some) {
        let shown: Vec<String> = marked.into_iter().zip(tags).map(|(h, t)| h.unwrap_or_else(|| plain(t))).collect();
        out.insert("tags".to_owned(), shown.join(", "));
    }
    out
}

/// `text`, HTML-escaped.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::{Rules, parse};

    fn h(q: &str, text: &str) -> Option<String> {
        let parsed = parse(q, &Rules::default()).unwrap_or_default();
        highlight(&Marker::new(&parsed), text, true)
    }

    #[test]
    fn exact_typo_prefix_and_accent_matches_are_marked() {
        assert_eq!(h("moog ", "Moog Minimoog").as_deref(), Some("<mark>Moog</mark> Minimoog"));
        assert_eq!(h("minimog ", "Moog Minimoog").as_deref(), Some("Moog <mark>Minimoog</mark>"));
        assert_eq!(h("synht ", "a synth pad").as_deref(), Some("a <mark>synth</mark> pad"), "a swap is one edit");
        assert_eq!(h("polyph", "Polyphonic, like new").as_deref(), Some("<mark>Polyphonic</mark>, like new"));
        assert_eq!(h("cafe ", "Café del Mar").as_deref(), Some("<mark>Café</mark> del Mar"));
        assert_eq!(h("jnuo ", "Juno"), None, "4 letters forgive nothing");
        assert_eq!(h("polyphx", "Polyphonic").as_deref(), Some("<mark>Polyphonic</mark>"), "a prefix with a typo");
        assert_eq!(h("oscilatorr ", "Oscillator").as_deref(), Some("<mark>Oscillator</mark>"), "9+ letters: two");
        assert_eq!(h("osxilatorr ", "Oscillator"), None, "three edits");
        assert_eq!(h("synthesizer ", "synthesiser").as_deref(), Some("<mark>synthesiser</mark>"));
        assert_eq!(h("synth ", "synths"), Some("<mark>synths</mark>".into()), "one insert at 5 letters");
        assert_eq!(h("synth ", "snyths"), None, "a swap and an insert are two");
    }

    #[test]
    fn phrases_mark_their_run_only() {
        assert_eq!(
            h("\"model d\"", "Model D and a d model").as_deref(),
            Some("<mark>Model</mark> <mark>D</mark> and a d model")
        );
    }

    #[test]
    fn everything_else_is_escaped() {
        assert_eq!(
            h("synth ", "<b>synth</b> & \"co\"").as_deref(),
            Some("&lt;b&gt;<mark>synth</mark>&lt;/b&gt; &amp; &quot;co&quot;")
        );
        assert_eq!(h("script ", "<script>").as_deref(), Some("&lt;<mark>script</mark>&gt;"));
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let body = format!("{} the moog is here {}", "word ".repeat(100), "after ".repeat(100));
        let s = h("moog ", &body).unwrap_or_default();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>moog</mark>"));
        assert!(s.chars().count() < 240, "{}", s.chars().count());
        assert!(s.trim_start_matches('…').starts_with("word"), "starts on a word: {s}");
    }

    #[test]
    fn fields_name_only_what_matched() {
        let q = parse("analog ", &Rules::default()).unwrap_or_default();
        let f = fields(
            &Marker::new(&q),
            &[("title", Some("Moog")), ("description", Some("warm")), ("bio", None)],
            &["vintage".into(), "analog".into()],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f.get("tags").map(String::as_str), Some("vintage, <mark>analog</mark>"));
    }
}
