//! The one index's documents: every searchable entity is a document with the same fields, so a
//! query runs once over all kinds (and `kind` narrows it). Who may see a document is indexed
//! with it (`access`); what changes per viewer (blocks) is filtered at query time by `owner`.

use super::analyzer;
use super::changes::Kind;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// `access` for what everyone may see; otherwise `user:<id>` of each who may.
pub const PUBLIC: &str = "public";

/// The fields, by handle.
#[derive(Debug, Clone)]
pub struct Fields {
    /// `<kind>:<uuid>`: the document's identity, for replacing it.
    pub key: Field,
    /// `listing`, `track`, `user` or `room`.
    pub kind: Field,
    /// Weighted text: title over tags over body.
    pub title: Field,
    pub tags: Field,
    pub body: Field,
    pub access: Field,
    /// The user behind it (the seller, the owner, the user themself, the room's creator).
    pub owner: Field,
    /// Views, plays or members: the mild popularity signal.
    pub popularity: Field,
    /// Creation time, unix microseconds.
    pub created: Field,
    /// The entity id's two halves: the newest-first order and its keyset cursor (ids are
    /// UUIDv7, time-ordered, like `ORDER BY id DESC` in PostgreSQL).
    pub id_hi: Field,
    pub id_lo: Field,
    /// Listings only: for `GET /listings` answered from the index.
    pub status: Field,
    pub category: Field,
    pub condition: Field,
    pub currency: Field,
    pub price: Field,
    pub tag: Field,
    /// Per kind (by `Kind::index`), everything a document says in one field, the title three
    /// times and the tags twice, without length norms: BM25 then weighs title over tags over
    /// body by term frequency alone, and a word is one term per kind, which lets tantivy prune
    /// (block-max WAND) instead of scoring every match (`ranked.rs`).
    pub words: [Field; 4],
    /// Per kind, the title alone, the same way: what suggestions complete.
    pub titles: [Field; 4],
    /// `yes` on what not everyone may see (the `access` list then names who may).
    pub restricted: Field,
}

/// `restricted`'s one value.
pub const RESTRICTED: &str = "yes";

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let text = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer::NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer::NAME)
                .set_index_option(IndexRecordOption::WithFreqs)
                .set_fieldnorms(false),
        );
        let mut b = Schema::builder();
        let fields = Fields {
            key: b.add_text_field("key", STRING | STORED),
            kind: b.add_text_field("kind", STRING | FAST | STORED),
            title: b.add_text_field("title", text.clone()),
            tags: b.add_text_field("tags", text.clone()),
            body: b.add_text_field("body", text),
            access: b.add_text_field("access", STRING),
            owner: b.add_text_field("owner", STRING | STORED),
            popularity: b.add_f64_field("popularity", FAST),
            created: b.add_i64_field("created", INDEXED | FAST),
            id_hi: b.add_u64_field("id_hi", FAST),
            id_lo: b.add_u64_field("id_lo", FAST),
            status: b.add_text_field("status", STRING | FAST),
            category: b.add_text_field("category", STRING | FAST),
            condition: b.add_text_field("condition", STRING | FAST),
            currency: b.add_text_field("currency", STRING | FAST),
            price: b.add_i64_field("price", INDEXED | FAST),
            tag: b.add_text_field("tag", STRING | FAST),
            words: Kind::ALL.map(|k| b.add_text_field(&format!("words_{}", k.as_str()), words.clone())),
            titles: Kind::ALL.map(|k| b.add_text_field(&format!("titles_{}", k.as_str()), words.clone())),
            restricted: b.add_text_field("restricted", STRING),
        };
        (b.build(), fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::TermQuery;
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    #[test]
    fn accented_text_is_found_by_its_folded_form_in_every_text_field() {
        let (schema, f) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(analyzer::NAME, analyzer::analyzer());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap_or_else(|e| panic!("{e}"));
        let mut doc = TantivyDocument::new();
        doc.add_text(f.key, "listing:1");
        doc.add_text(f.title, "Café Crème Synth");
        doc.add_text(f.tags, "Électro");
        doc.add_text(f.body, "Très bon état");
        writer.add_document(doc).unwrap_or_else(|e| panic!("{e}"));
        writer.commit().unwrap_or_else(|e| panic!("{e}"));
        let searcher = index.reader().unwrap_or_else(|e| panic!("{e}")).searcher();
        for (field, word) in [(f.title, "creme"), (f.tags, "electro"), (f.body, "etat")] {
            let q = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::Basic);
            let hits = searcher.search(&q, &TopDocs::with_limit(1).order_by_score()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(hits.len(), 1, "{word}");
        }
        // `key` is one untokenised term.
        let q = TermQuery::new(Term::from_field_text(f.key, "listing:1"), IndexRecordOption::Basic);
        assert_eq!(searcher.search(&q, &TopDocs::with_limit(1).order_by_score()).map(|h| h.len()).unwrap_or(0), 1);
    }
}
