//! Highlights: a hit's text, HTML-escaped, with `<mark>` around each word the query matched,
//! typo and prefix matches included (tantivy's snippet generator marks exact terms only, so the
//! matching is redone here with the same rules as the index: the same analyzer, the same
//! edit distance with transpositions, the same prefix allowance). Long text is cut to a window
//! around its first match.

use super::analyzer::{self, Term};
use super::query::{Parsed, Word};
use std::collections::BTreeMap;

/// How much of a long text a snippet shows, in characters.
const SNIPPET_CHARS: usize = 200;
/// Characters kept before the first match when a long text is cut.
const LEAD_CHARS: usize = 60;

/// The edit distance (insert, delete, substitute, swap two neighbours) between `a` and `b`,
/// or between `a` and the closest prefix of `b` when `prefix`. One flat table: this runs for
/// every word of every hit's text.
fn distance(a: &[char], b: &[char], prefix: bool) -> usize {
    let (m, n) = (a.len(), b.len());
    let w = n + 1;
    let mut d = vec![0usize; (m + 1) * w];
    for i in 0..=m {
        d[i * w] = i;
    }
    for (j, cell) in d[..w].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=m {
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    if prefix { d[m * w..].iter().copied().min().unwrap_or(m) } else { d[m * w + n] }
}

/// Whether a text's term is what `word` asked for.
fn matches(word: &Word, term: &str) -> bool {
    if word.term == term || (word.prefix && term.starts_with(&word.term)) {
        return true;
    }
    if word.typos == 0 {
        return false;
    }
    // Cheap refusal before any allocation: lengths further apart than the allowance (a prefix
    // may be longer).
    let (la, lb) = (word.term.chars().count(), term.chars().count());
    if la.abs_diff(lb) > usize::from(word.typos) && !(word.prefix && lb > la) {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (word.term.chars().collect(), term.chars().collect());
    distance(&a, &b, word.prefix) <= usize::from(word.typos)
}

/// Which of `terms` the query matched.
fn marked(q: &Parsed, terms: &[Term]) -> Vec<bool> {
    let mut marks: Vec<bool> = terms.iter().map(|t| q.words.iter().any(|w| matches(w, &t.text))).collect();
    for phrase in q.phrases.iter().filter(|p| !p.is_empty()) {
        for start in 0..terms.len().saturating_sub(phrase.len() - 1) {
            let run = &terms[start..start + phrase.len()];
            if run.iter().zip(phrase).all(|(t, p)| t.text == *p) {
                marks[start..start + phrase.len()].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    marks
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
pub fn highlight(q: &Parsed, text: &str, cut: bool) -> Option<String> {
    let terms = analyzer::terms(text);
    let marks = marked(q, &terms);
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
pub fn fields(q: &Parsed, texts: &[(&str, Option<&str>)], tags: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, text) in texts {
        if let Some(h) = text.and_then(|t| highlight(q, t, true)) {
            out.insert((*name).to_owned(), h);
        }
    }
    if tags.iter().any(|t| highlight(q, t, false).is_some()) {
        let marked: Vec<String> = tags.iter().map(|t| highlight(q, t, false).unwrap_or_else(|| plain(t))).collect();
        out.insert("tags".to_owned(), marked.join(", "));
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
        highlight(&parse(q, &Rules::default()).unwrap_or_default(), text, true)
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
            &q,
            &[("title", Some("Moog")), ("description", Some("warm")), ("bio", None)],
            &["vintage".into(), "analog".into()],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f.get("tags").map(String::as_str), Some("vintage, <mark>analog</mark>"));
    }
}
