//! `GET /listings`: filters, sort and keyset cursors, compiled to one SQL statement.
//! Full text uses the stored, weighted `listings.search` (GIN-indexed) with
//! `websearch_to_tsquery('english', q)`; every sort ends with the id, so the order is total and
//! a cursor (the last row's sort key and id) resumes exactly after it, whatever was inserted since.

use super::model::{Condition, ListingStatus};
use super::repo::ListingRow;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Float4, Text};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use veza_core::UserId;

pub use crate::db::sql::Sql;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    Newest,
    PriceAsc,
    PriceDesc,
    Relevance,
}

impl Sort {
    fn tag(self) -> &'static str {
        match self {
            Sort::Newest => "n",
            Sort::PriceAsc => "pa",
            Sort::PriceDesc => "pd",
            Sort::Relevance => "r",
        }
    }
}

/// A validated filter over listings. `categories` is the requested category with its
/// descendants; `viewer` decides whether drafts may show (their seller's only).
#[derive(Debug, Clone)]
pub struct Filter {
    pub q: Option<String>,
    pub categories: Option<Vec<Uuid>>,
    pub tags: Vec<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub currency: Option<String>,
    pub condition: Option<Condition>,
    pub status: ListingStatus,
    pub seller: Option<UserId>,
    pub viewer: Option<UserId>,
}

/// Where the previous page stopped: its last row's sort key and id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cursor {
    Newest {
        id: Uuid,
    },
    Price {
        amount: i64,
        id: Uuid,
    },
    Relevance {
        rank: f32,
        id: Uuid,
    },
    /// A relevance page answered by the search index: the offset into one ranking (its
    /// generation, in the index instance `epoch`), since scores move with every commit.
    Ranked {
        epoch: u64,
        generation: u64,
        offset: usize,
    },
}

/// Cursors are opaque to clients: base64url of `<sort tag>:<key>:<id>`.
pub fn encode_cursor(sort: Sort, c: Cursor) -> String {
    let text = match c {
        Cursor::Newest { id } => format!("{}::{id}", sort.tag()),
        Cursor::Price { amount, id } => format!("{}:{amount}:{id}", sort.tag()),
        // The exact bits: a decimal rendering could round and skip or repeat a row.
        Cursor::Relevance { rank, id } => format!("{}:{:08x}:{id}", sort.tag(), rank.to_bits()),
        Cursor::Ranked { epoch, generation, offset } => format!("ri:{epoch:x}.{generation}.{offset}:{}", Uuid::nil()),
    };
    URL_SAFE_NO_PAD.encode(text)
}

/// `None` when `raw` is not a cursor of a list in this sort.
pub fn decode_cursor(sort: Sort, raw: &str) -> Option<Cursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw.trim()).ok()?).ok()?;
    let mut parts = text.splitn(3, ':');
    let (tag, key, id) = (parts.next()?, parts.next()?, parts.next()?);
    if sort == Sort::Relevance && tag == "ri" {
        let mut n = key.split('.');
        let epoch = u64::from_str_radix(n.next()?, 16).ok()?;
        let (generation, offset) = (n.next()?.parse().ok()?, n.next()?.parse().ok()?);
        return n.next().is_none().then_some(Cursor::Ranked { epoch, generation, offset });
    }
    if tag != sort.tag() {
        return None;
    }
    let id = Uuid::parse_str(id).ok()?;
    match sort {
        Sort::Newest => key.is_empty().then_some(Cursor::Newest { id }),
        Sort::PriceAsc | Sort::PriceDesc => Some(Cursor::Price { amount: key.parse().ok()?, id }),
        Sort::Relevance => {
            let rank = f32::from_bits(u32::from_str_radix(key, 16).ok()?);
            rank.is_finite().then_some(Cursor::Relevance { rank, id })
        }
    }
}

/// Appends ` WHERE …` for `f` to a query over `listings l`.
pub fn push_where(q: Sql, f: &Filter) -> Sql {
    let mut q = q.sql(" WHERE l.status = ").bind::<Text, _>(f.status.as_str());
    if !f.status.is_public() {
        // Others' drafts never show: a draft list is the caller's own, or nothing.
        q = match f.viewer {
            Some(v) => q.sql(" AND l.seller_id = ").bind::<diesel::sql_types::Uuid, _>(v),
            None => q.sql(" AND false"),
        };
    }
    if let Some(text) = &f.q {
        q = q.sql(" AND l.search @@ websearch_to_tsquery('english', ").bind::<Text, _>(text.clone()).sql(")");
    }
    if let Some(ids) = &f.categories {
        q = q.sql(" AND l.category_id = ANY(").bind::<Array<diesel::sql_types::Uuid>, _>(ids.clone()).sql(")");
    }
    if !f.tags.is_empty() {
        q = q.sql(" AND l.tags @> ").bind::<Array<Text>, _>(f.tags.clone());
    }
    if let Some(min) = f.min_price {
        q = q.sql(" AND l.price_amount >= ").bind::<BigInt, _>(min);
    }
    if let Some(max) = f.max_price {
        q = q.sql(" AND l.price_amount <= ").bind::<BigInt, _>(max);
    }
    if let Some(c) = &f.currency {
        q = q.sql(" AND l.currency = ").bind::<Text, _>(c.clone());
    }
    if let Some(c) = f.condition {
        q = q.sql(" AND l.condition = ").bind::<Text, _>(c.as_str());
    }
    if let Some(s) = f.seller {
        q = q.sql(" AND l.seller_id = ").bind::<diesel::sql_types::Uuid, _>(s);
    }
    q
}

/// `ts_rank` of the listing against `q`, or 0 without a text query.
fn push_rank(q: Sql, text: Option<&str>) -> Sql {
    match text {
        Some(t) => q.sql("ts_rank(l.search, websearch_to_tsquery('english', ").bind::<Text, _>(t.to_owned()).sql("))"),
        None => q.sql("0::real"),
    }
}

#[derive(QueryableByName)]
pub struct SearchRow {
    #[diesel(embed)]
    pub listing: ListingRow,
    #[diesel(sql_type = Text)]
    pub seller_username: String,
    #[diesel(sql_type = Float4)]
    pub rank: f32,
}

impl SearchRow {
    /// The cursor that resumes after this row.
    pub fn cursor(&self, sort: Sort) -> Cursor {
        let id = self.listing.id.uuid();
        match sort {
            Sort::Newest => Cursor::Newest { id },
            Sort::PriceAsc | Sort::PriceDesc => Cursor::Price { amount: self.listing.price_amount, id },
            Sort::Relevance => Cursor::Relevance { rank: self.rank, id },
        }
    }
}

const COLUMNS: &str = "SELECT l.id, l.seller_id, l.title, l.description, l.price_amount, l.currency, l.category_id, \
    l.tags, l.condition, l.track_id, l.status, l.created_at, l.updated_at, l.published_at, \
    u.username AS seller_username, ";

/// One page: up to `limit` rows after `cursor`, in `sort` order.
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    sort: Sort,
    cursor: Option<Cursor>,
    limit: i64,
) -> diesel::QueryResult<Vec<SearchRow>> {
    page_sql(f, sort, cursor, limit).load(conn).await
}

/// The statement of one page.
pub fn page_sql(f: &Filter, sort: Sort, cursor: Option<Cursor>, limit: i64) -> Sql {
    let text = f.q.as_deref();
    let q = push_rank(Sql::new(COLUMNS), text).sql(" AS rank FROM listings l JOIN users u ON u.id = l.seller_id");
    let mut q = push_where(q, f);
    let uuid = |q: Sql, id: Uuid| q.bind::<diesel::sql_types::Uuid, _>(id);
    q = match cursor {
        None => q,
        Some(Cursor::Newest { id }) => uuid(q.sql(" AND l.id < "), id),
        Some(Cursor::Price { amount, id }) => {
            let op = if sort == Sort::PriceAsc { ">" } else { "<" };
            let q = q.sql(format!(" AND (l.price_amount, l.id) {op} (")).bind::<BigInt, _>(amount).sql(", ");
            uuid(q, id).sql(")")
        }
        Some(Cursor::Relevance { rank, id }) => {
            let q = push_rank(q.sql(" AND ("), text).sql(", l.id) < (").bind::<Float4, _>(rank).sql(", ");
            uuid(q, id).sql(")")
        }
        // The index's cursor means nothing here (the service never sends one).
        Some(Cursor::Ranked { .. }) => q.sql(" AND false"),
    };
    let order = match sort {
        Sort::Newest => " ORDER BY l.id DESC",
        Sort::PriceAsc => " ORDER BY l.price_amount ASC, l.id ASC",
        Sort::PriceDesc => " ORDER BY l.price_amount DESC, l.id DESC",
        Sort::Relevance => " ORDER BY rank DESC, l.id DESC",
    };
    q.sql(order).sql(" LIMIT ").bind::<BigInt, _>(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_sort() {
        let id = Uuid::now_v7();
        let cases = [
            (Sort::Newest, Cursor::Newest { id }),
            (Sort::PriceAsc, Cursor::Price { amount: 1250, id }),
            (Sort::PriceDesc, Cursor::Price { amount: 0, id }),
            (Sort::Relevance, Cursor::Relevance { rank: 0.060_792_71, id }),
            (Sort::Relevance, Cursor::Ranked { epoch: 0xabc, generation: 7, offset: 40 }),
        ];
        for (sort, c) in cases {
            let raw = encode_cursor(sort, c);
            assert_eq!(decode_cursor(sort, &raw), Some(c), "{sort:?}");
        }
        let price = encode_cursor(Sort::PriceAsc, Cursor::Price { amount: 5, id });
        assert_eq!(decode_cursor(Sort::PriceDesc, &price), None, "another sort's cursor is refused");
        assert_eq!(decode_cursor(Sort::Newest, "not a cursor"), None);
        assert_eq!(decode_cursor(Sort::Newest, &URL_SAFE_NO_PAD.encode("n::nope")), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// A cursor is client input: any text is a cursor of this sort or none, never a panic.
        #[test]
        fn any_text_is_a_cursor_or_none(raw in ".{0,128}", sort in 0usize..4) {
            let sort = [Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Relevance][sort];
            let _ = decode_cursor(sort, &raw);
        }

        /// Every cursor the server hands out reads back exactly, for its own sort only.
        #[test]
        fn every_cursor_round_trips(id in proptest::prelude::any::<u128>(), amount in proptest::prelude::any::<i64>(), bits in proptest::prelude::any::<u32>()) {
            let id = Uuid::from_u128(id);
            let rank = f32::from_bits(bits);
            if !rank.is_finite() {
                // PostgreSQL's ts_rank is finite; a cursor claiming otherwise is refused.
                let c = Cursor::Relevance { rank, id };
                proptest::prop_assert!(decode_cursor(Sort::Relevance, &encode_cursor(Sort::Relevance, c)).is_none());
                return Ok(());
            }
            let cases = [
                (Sort::Newest, Cursor::Newest { id }),
                (Sort::PriceAsc, Cursor::Price { amount, id }),
                (Sort::Relevance, Cursor::Relevance { rank, id }),
            ];
            for (sort, c) in cases {
                let back = decode_cursor(sort, &encode_cursor(sort, c));
                // Compare the rank's bits: -0.0 and 0.0 are equal as floats but not as cursors.
                let same = match (back, c) {
                    (Some(Cursor::Relevance { rank: a, id: x }), Cursor::Relevance { rank: b, id: y }) => {
                        a.to_bits() == b.to_bits() && x == y
                    }
                    (b, c) => b == Some(c),
                };
                proptest::prop_assert!(same, "{sort:?} {c:?} -> {back:?}");
                let other = if sort == Sort::Newest { Sort::Relevance } else { Sort::Newest };
                proptest::prop_assert!(decode_cursor(other, &encode_cursor(sort, c)).is_none());
            }
        }
    }
}
