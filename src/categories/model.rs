//! Category types and rules: slugs, names, and the admin's create/patch bodies.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::text::TextRule;

/// The categories feature has no failure of its own.
pub type CategoryError = DomainError;

/// One category as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Category {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    pub position: i32,
}

/// A category with its children, for `GET /categories`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryNode {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub position: i32,
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

/// `POST /admin/categories`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    pub name: String,
    /// Lowercase words joined by `-`; derived from the name when absent.
    pub slug: Option<String>,
    pub parent_id: Option<Uuid>,
    #[serde(default, deserialize_with = "veza_core::json::whole")]
    pub position: i32,
}

/// `PATCH /admin/categories/{id}`: absent fields stay; `parent_id: null` makes it a root.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "veza_core::json::whole_opt")]
    pub position: Option<i32>,
}

/// A category's name: one line of 1 to 80 characters, trimmed.
pub const NAME: TextRule = TextRule::line(1, 80);

/// A trimmed name of 1 to 80 characters.
pub fn name(raw: &str) -> Result<String, CategoryError> {
    let n = NAME.check(raw).map_err(|_| CategoryError::invalid("name", "1 to 80 characters"))?;
    Ok(n.to_owned())
}

/// A slug: `a-z0-9` words joined by single `-`, at most 64 characters.
pub fn slug(raw: &str) -> Result<String, CategoryError> {
    let s = raw.trim().to_lowercase();
    let ok = raw.chars().count() <= 64
        && !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if ok {
        Ok(s)
    } else {
        Err(CategoryError::Invalid { field: "slug", message: "lowercase words joined by -".into() })
    }
}

/// A slug made from a name: ASCII letters and digits kept, everything else a separator.
pub fn slug_from_name(name: &str) -> Result<String, CategoryError> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    slug(words.join("-").chars().take(64).collect::<String>().trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_names() {
        assert_eq!(slug("Effects-Pedals").ok(), Some("effects-pedals".into()));
        assert!(slug("a--b").is_err() && slug("-a").is_err() && slug("é").is_err() && slug("").is_err());
        assert_eq!(slug_from_name("Guitars & Basses (used)").ok(), Some("guitars-basses-used".into()));
        assert!(slug_from_name("!!!").is_err());
        assert_eq!(name("  Synths ").ok(), Some("Synths".into()));
        assert!(name(" ").is_err() && name(&"x".repeat(81)).is_err());
    }
}
