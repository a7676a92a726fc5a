//! Facets of a filtered listing set, in one statement: counts by category (rolled up the
//! tree in memory), the top tags, conditions, and fixed price buckets.

use super::model::Condition;
use super::search::{Filter, Sql, push_where};
use crate::categories::tree::Tree;
use crate::search::collect_listings::FacetRules;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// How many tags the facet lists.
pub const TOP_TAGS: i64 = 20;

/// Bucket edges in minor units (10, 50, 100, 500, 1000 in major units); one bucket below the
/// first edge, one from the last edge up. Amounts are compared whatever their currency: filter
/// by `currency` for buckets that mean one thing.
pub const PRICE_EDGES: [i64; 5] = [1_000, 5_000, 10_000, 50_000, 100_000];

/// The same rules for the search index's facet counts.
pub const RULES: FacetRules = FacetRules { price_edges: &PRICE_EDGES, top_tags: TOP_TAGS as usize };

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Facets {
    pub categories: Vec<CategoryCount>,
    pub tags: Vec<TagCount>,
    pub conditions: Vec<ConditionCount>,
    pub price: Vec<PriceBucket>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryCount {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// Listings filed directly under this category.
    pub count: i64,
    /// Listings under this category or any of its descendants.
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagCount {
    pub tag: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConditionCount {
    pub condition: Condition,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceBucket {
    /// Inclusive, minor units.
    pub min: i64,
    /// Exclusive; `null` for the last bucket.
    pub max: Option<i64>,
    pub count: i64,
}

#[derive(QueryableByName)]
struct FacetRow {
    #[diesel(sql_type = Text)]
    facet: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Counts every facet of the set `f` selects, in one round trip.
pub async fn compute(conn: &mut AsyncPgConnection, f: &Filter, tree: &Tree) -> diesel::QueryResult<Facets> {
    let edges = PRICE_EDGES.map(|e| e.to_string()).join(",");
    let q = Sql::new("WITH f AS (SELECT l.category_id, l.condition, l.price_amount, l.tags FROM listings l");
    let q = push_where(q, f).sql(format!(
        ") SELECT 'category' AS facet, category_id::text AS key, count(*) AS n FROM f GROUP BY category_id \
         UNION ALL SELECT 'condition', condition, count(*) FROM f GROUP BY condition \
         UNION ALL SELECT 'price', width_bucket(price_amount, ARRAY[{edges}]::bigint[])::text, count(*) FROM f GROUP BY 2 \
         UNION ALL (SELECT 'tag', t, count(*) FROM f CROSS JOIN LATERAL unnest(f.tags) AS t \
                    GROUP BY t ORDER BY count(*) DESC, t LIMIT {TOP_TAGS})"
    ));
    let rows: Vec<FacetRow> = q.load(conn).await?;
    Ok(assemble(rows.into_iter().map(|r| (r.facet, r.key, r.n)), tree))
}

/// Facets from `(facet, key, count)` rows (SQL's, or the search index's).
pub fn assemble(rows: impl Iterator<Item = (String, String, i64)>, tree: &Tree) -> Facets {
    let mut direct: HashMap<Uuid, i64> = HashMap::new();
    let mut tags = Vec::new();
    let mut conditions = Vec::new();
    let mut buckets = [0i64; PRICE_EDGES.len() + 1];
    for (facet, key, n) in rows {
        match facet.as_str() {
            "category" => {
                if let Ok(id) = Uuid::parse_str(&key) {
                    direct.insert(id, n);
                }
            }
            "condition" => {
                if let Some(condition) = Condition::parse(&key) {
                    conditions.push(ConditionCount { condition, count: n });
                }
            }
            "price" => {
                if let Some(slot) = key.parse::<usize>().ok().and_then(|i| buckets.get_mut(i)) {
                    *slot += n;
                }
            }
            "tag" => tags.push(TagCount { tag: key, count: n }),
            _ => {}
        }
    }
    tags.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    conditions.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.condition.as_str().cmp(b.condition.as_str())));
    Facets { categories: roll_up(&direct, tree), tags, conditions, price: price_buckets(buckets) }
}

/// Adds each category's direct count to itself and every ancestor.
fn roll_up(direct: &HashMap<Uuid, i64>, tree: &Tree) -> Vec<CategoryCount> {
    let mut total: HashMap<Uuid, i64> = HashMap::new();
    for (id, n) in direct {
        for c in std::iter::once(*id).chain(tree.ancestors(*id)) {
            *total.entry(c).or_default() += n;
        }
    }
    let mut out: Vec<CategoryCount> = total
        .into_iter()
        .filter_map(|(id, total)| {
            tree.get(id).map(|c| CategoryCount {
                id,
                slug: c.slug.clone(),
                name: c.name.clone(),
                count: direct.get(&id).copied().unwrap_or(0),
                total,
            })
        })
        .collect();
    out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.slug.cmp(&b.slug)));
    out
}

fn price_buckets(counts: [i64; PRICE_EDGES.len() + 1]) -> Vec<PriceBucket> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &count)| PriceBucket {
            min: if i == 0 { 0 } else { PRICE_EDGES[i - 1] },
            max: PRICE_EDGES.get(i).copied(),
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::model::Category;

    #[test]
    fn rows_become_facets_with_roll_ups_and_every_bucket() {
        let cat = |id: u128, parent: Option<u128>, slug: &str| Category {
            id: Uuid::from_u128(id),
            parent_id: parent.map(Uuid::from_u128),
            slug: slug.into(),
            name: slug.into(),
            position: 0,
        };
        let tree = Tree::new(vec![cat(1, None, "instruments"), cat(2, Some(1), "guitars"), cat(3, Some(1), "basses")]);
        let row = |f: &str, k: String, n| (f.to_owned(), k, n);
        let rows = vec![
            row("category", Uuid::from_u128(2).to_string(), 3),
            row("category", Uuid::from_u128(3).to_string(), 1),
            row("condition", "used".into(), 3),
            row("condition", "new".into(), 1),
            row("price", "0".into(), 1),
            row("price", "5".into(), 3),
            row("tag", "vintage".into(), 2),
            row("tag", "fender".into(), 2),
            row("tag", "usa".into(), 4),
        ];
        let f = assemble(rows.into_iter(), &tree);
        let cats: Vec<(&str, i64, i64)> = f.categories.iter().map(|c| (c.slug.as_str(), c.count, c.total)).collect();
        assert_eq!(cats, [("instruments", 0, 4), ("guitars", 3, 3), ("basses", 1, 1)]);
        let tags: Vec<&str> = f.tags.iter().map(|t| t.tag.as_str()).collect();
        assert_eq!(tags, ["usa", "fender", "vintage"], "by count, then name");
        assert_eq!(f.conditions[0].condition, Condition::Used);
        assert_eq!(f.price.len(), 6);
        assert_eq!((f.price[0].min, f.price[0].max, f.price[0].count), (0, Some(1_000), 1));
        assert_eq!((f.price[5].min, f.price[5].max, f.price[5].count), (100_000, None, 3));
        assert_eq!(f.price[2].count, 0, "empty buckets are listed too");
    }
}
