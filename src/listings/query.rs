//! The listing query compiler's front half: `GET /listings`'s query string, as received, checked
//! and turned into a filter, a sort and a cursor without touching the database (the seller, a
//! username or an id, is resolved afterwards). `search.rs` compiles the result to SQL.
//! Everything here is client input: any query string compiles or is refused with a field.

use super::model::{Condition, ListingError, ListingStatus, TAG_MAX_CHARS, TAGS_MAX, tags};
use super::search::{Cursor, Filter, Sort, decode_cursor};
use crate::categories::tree::Tree;
use crate::money;
use serde::Deserialize;
use utoipa::IntoParams;
use veza_core::UserId;

/// Longest `q` accepted.
pub const QUERY_MAX: usize = 200;

/// The query string of `GET /listings`, as received: the filters, the sort and the page.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
pub struct ListingQuery {
    /// Full text over title, description and tags (web-search syntax: words, "phrases", -not).
    pub q: Option<String>,
    /// Category id or slug; its descendants are included.
    pub category: Option<String>,
    /// Comma-separated tags; a listing must carry all of them.
    pub tag: Option<String>,
    /// Minor units, inclusive.
    #[param(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub min_price: Option<i64>,
    /// Minor units, inclusive.
    #[param(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub max_price: Option<i64>,
    pub currency: Option<String>,
    pub condition: Option<Condition>,
    /// Default `active`; `draft` lists only the caller's own drafts.
    pub status: Option<ListingStatus>,
    /// Seller id or username.
    pub seller: Option<String>,
    /// Default `relevance` with `q`, else `newest`.
    pub sort: Option<Sort>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A checked query: the filter (its `seller` still unset), the order and where the page starts.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub filter: Filter,
    pub sort: Sort,
    pub cursor: Option<Cursor>,
    /// The `seller` asked for (an id or a username), for the caller to resolve.
    pub seller_key: Option<String>,
}

/// A present, non-blank parameter, trimmed.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks `p` for `viewer`; `tree` resolves the category.
pub fn compile(p: &ListingQuery, viewer: Option<UserId>, tree: &Tree) -> Result<Compiled, ListingError> {
    let q = given(&p.q).map(str::to_owned);
    if q.as_ref().is_some_and(|q| q.chars().count() > QUERY_MAX) {
        return Err(ListingError::invalid("q", format!("at most {QUERY_MAX} characters")));
    }
    let categories = match given(&p.category) {
        Some(key) => {
            Some(tree.subtree(tree.find(key).ok_or_else(|| ListingError::invalid("category", "no such category"))?.id))
        }
        None => None,
    };
    let raw_tags: Vec<String> =
        p.tag.as_deref().unwrap_or_default().split(',').filter(|t| !t.trim().is_empty()).map(str::to_owned).collect();
    let tags = tags(&raw_tags).map_err(|_| {
        ListingError::invalid("tag", format!("at most {TAGS_MAX} tags of 1 to {TAG_MAX_CHARS} characters"))
    })?;
    for (field, v) in [("min_price", p.min_price), ("max_price", p.max_price)] {
        if v.is_some_and(|v| !(0..=money::MAX_AMOUNT).contains(&v)) {
            return Err(ListingError::invalid(field, "must be 0 or more minor units"));
        }
    }
    if let (Some(min), Some(max)) = (p.min_price, p.max_price)
        && min > max
    {
        return Err(ListingError::invalid("max_price", "must not be below min_price"));
    }
    let currency = p
        .currency
        .as_deref()
        .map(money::currency)
        .transpose()
        .map_err(|e| ListingError::invalid("currency", e.to_string()))?;
    let sort = match (p.sort, &q) {
        (Some(Sort::Relevance), None) => return Err(ListingError::invalid("sort", "relevance needs a q")),
        (Some(s), _) => s,
        (None, Some(_)) => Sort::Relevance,
        (None, None) => Sort::Newest,
    };
    let cursor = p
        .cursor
        .as_deref()
        .map(|c| decode_cursor(sort, c).ok_or_else(|| ListingError::invalid("cursor", "not a cursor of this list")))
        .transpose()?;
    let filter = Filter {
        q,
        categories,
        tags,
        min_price: p.min_price,
        max_price: p.max_price,
        currency,
        condition: p.condition,
        status: p.status.unwrap_or(ListingStatus::Active),
        seller: None,
        viewer,
    };
    Ok(Compiled { filter, sort, cursor, seller_key: given(&p.seller).map(str::to_owned) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::model::Category;
    use crate::listings::search::page_sql;
    use actix_web::web::Query;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn tree() -> Tree {
        let cat = |n: u128, parent: Option<u128>, slug: &str| Category {
            id: Uuid::from_u128(n),
            parent_id: parent.map(Uuid::from_u128),
            slug: slug.into(),
            name: slug.into(),
            position: n as i32,
        };
        Tree::new(vec![cat(1, None, "instruments"), cat(2, Some(1), "guitars"), cat(3, None, "vinyl")])
    }

    fn compiled(raw: &str) -> Result<Compiled, String> {
        let q = Query::<ListingQuery>::from_query(raw).map_err(|e| e.to_string())?;
        compile(&q, None, &tree()).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_refusals() {
        let c = compiled("").unwrap();
        assert_eq!((c.sort, c.cursor, c.filter.status), (Sort::Newest, None, ListingStatus::Active));
        let c = compiled("q=%20fender%20&category=instruments&tag=Vintage,%20,Tube%20Amp&seller=%20ann%20").unwrap();
        assert_eq!(c.sort, Sort::Relevance, "a q sorts by relevance unless told");
        assert_eq!(c.filter.q.as_deref(), Some("fender"));
        assert_eq!(c.filter.categories.map(|v| v.len()), Some(2), "a category brings its descendants");
        assert_eq!(c.filter.tags, ["vintage", "tube amp"]);
        assert_eq!((c.seller_key.as_deref(), c.filter.seller), (Some("ann"), None));
        for (raw, field) in [
            ("sort=relevance", "sort"),
            ("category=nope", "category"),
            ("min_price=-1", "min_price"),
            ("min_price=5&max_price=4", "max_price"),
            ("currency=euros", "currency"),
            ("cursor=xyz", "cursor"),
            ("tag=a,b,c,d,e,f,g,h,i,j,k", "tag"),
        ] {
            let err = compiled(raw).err().unwrap_or_default();
            assert!(err.starts_with(&format!("{field}: ")), "{raw} is refused on {field}: {err:?}");
        }
        assert!(compiled(&format!("q={}", "a".repeat(QUERY_MAX + 1))).is_err());
    }

    /// A statement's `$n` are 1, 2, … in order and as many as its binds: a fragment that wrote
    /// its own placeholder, or bound without one, would shift every value after it.
    fn numbered(c: &Compiled) -> Result<(), TestCaseError> {
        let sql = page_sql(&c.filter, c.sort, c.cursor, 21);
        prop_assert_eq!(sql.placeholders(), (1..=sql.binds()).collect::<Vec<_>>(), "{}", sql.render());
        Ok(())
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z0-9 ,%$-]{0,12}",
            Just("instruments".to_owned()),
            Just("relevance".to_owned()),
            Just("price_asc".to_owned()),
            Just("draft".to_owned()),
            Just("EUR".to_owned()),
            (-5i64..5).prop_map(|n| n.to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Any query string is refused or compiles to a well-numbered statement; never a panic.
        #[test]
        fn any_query_string_compiles_or_is_refused(
            pairs in proptest::collection::vec((prop_oneof![
                Just("q"), Just("category"), Just("tag"), Just("min_price"), Just("max_price"), Just("currency"),
                Just("condition"), Just("status"), Just("seller"), Just("sort"), Just("limit"), Just("cursor"),
            ], value()), 0..8),
        ) {
            let raw: String = pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()))
                .collect::<Vec<_>>()
                .join("&");
            if let Ok(c) = compiled(&raw) {
                numbered(&c)?;
                let resumed = Compiled { cursor: Some(match c.sort {
                    Sort::Newest => Cursor::Newest { id: Uuid::from_u128(9) },
                    Sort::PriceAsc | Sort::PriceDesc => Cursor::Price { amount: 7, id: Uuid::from_u128(9) },
                    Sort::Relevance => Cursor::Relevance { rank: 0.5, id: Uuid::from_u128(9) },
                }), ..c };
                numbered(&resumed)?;
            }
        }
    }
}
