//! How text becomes terms, the same for documents, queries and highlights: words split on
//! anything not alphanumeric, lower-cased, accents folded (`café` = `cafe`), words longer than
//! 40 bytes once folded dropped (no one types them; they only bloat the dictionary).

use std::cell::RefCell;
use std::ops::Range;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, TokenStream,
};

/// The name the index registers the analyzer under.
pub const NAME: &str = "veza";

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RemoveLongFilter::limit(40))
        .build()
}

/// A term and where it stands in the text it came from (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub span: Range<usize>,
}

thread_local! {
    /// Highlights split every field of every hit: one analyzer per thread, not one per text.
    static ANALYZER: RefCell<TextAnalyzer> = RefCell::new(analyzer());
}

/// The terms of `text`, in order.
pub fn terms(text: &str) -> Vec<Term> {
    ANALYZER.with_borrow_mut(|analyzer| {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push(Term { text: t.text.clone(), span: t.offset_from..t.offset_to });
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn words_are_lowered_and_folded_with_their_spans() {
        assert_eq!(words("Café Crème, ROCK'n'roll 808"), ["cafe", "creme", "rock", "n", "roll", "808"]);
        let t = terms("Ünïcode  Straße");
        assert_eq!(t[0].text, "unicode");
        assert_eq!(&"Ünïcode  Straße"[t[1].span.clone()], "Straße");
        assert_eq!(t[1].text, "strasse");
        assert!(words(&"x".repeat(41)).is_empty());
    }
}
