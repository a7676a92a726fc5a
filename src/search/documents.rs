//! A `Doc` as a tantivy document with the schema's fields.

use super::model::{Access, Doc};
use super::schema::{Fields, PUBLIC, RESTRICTED};
use tantivy::TantivyDocument;

/// How many times a title and each tag count in a document's `words` (the body once).
const TITLE_WEIGHT: usize = 3;
const TAGS_WEIGHT: usize = 2;

/// The `access` term a user's own documents carry.
pub fn access_term(user: uuid::Uuid) -> String {
    format!("user:{user}")
}

pub fn to_document(f: &Fields, d: &Doc) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(f.key, d.key());
    doc.add_text(f.kind, d.kind.as_str());
    doc.add_text(f.title, &d.title);
    for tag in &d.tags {
        doc.add_text(f.tags, tag);
    }
    doc.add_text(f.body, &d.body);
    let words = f.words[d.kind.index()];
    for _ in 0..TITLE_WEIGHT {
        doc.add_text(words, &d.title);
    }
    for tag in &d.tags {
        for _ in 0..TAGS_WEIGHT {
            doc.add_text(words, tag);
        }
    }
    doc.add_text(words, &d.body);
    doc.add_text(f.titles[d.kind.index()], &d.title);
    match &d.access {
        Access::Everyone => doc.add_text(f.access, PUBLIC),
        Access::Only(users) => {
            doc.add_text(f.restricted, RESTRICTED);
            for u in users {
                doc.add_text(f.access, access_term(*u));
            }
        }
    }
    if let Some(owner) = d.owner {
        doc.add_text(f.owner, owner.to_string());
    }
    doc.add_f64(f.popularity, d.popularity);
    doc.add_i64(f.created, d.created.timestamp_micros());
    let (hi, lo) = d.id.as_u64_pair();
    doc.add_u64(f.id_hi, hi);
    doc.add_u64(f.id_lo, lo);
    if let Some(l) = &d.listing {
        doc.add_text(f.status, &l.status);
        doc.add_text(f.category, l.category.to_string());
        doc.add_text(f.condition, &l.condition);
        doc.add_text(f.currency, &l.currency);
        doc.add_i64(f.price, l.price);
        for tag in &l.tags {
            doc.add_text(f.tag, tag);
        }
    }
    doc
}
