//! Collectors for `GET /listings` answered from the index: the next page in a keyset order
//! (newest first, or by price, each ending with the id like the SQL it stands in for, so a
//! cursor resumes exactly after its row), and the facets of the whole filtered set, counted
//! from fast fields (categories, conditions, top tags, price buckets).

use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// A listing's place in a keyset order: its price (0 when the order has none) and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Key {
    pub price: i64,
    pub hi: u64,
    pub lo: u64,
}

impl Key {
    pub fn id(&self) -> uuid::Uuid {
        uuid::Uuid::from_u64_pair(self.hi, self.lo)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    Newest,
    PriceAsc,
    PriceDesc,
}

impl KeyOrder {
    fn descending(self) -> bool {
        self != KeyOrder::PriceAsc
    }
}

/// The first `keep` listings after `after` in `order`.
pub struct KeyedTop {
    pub order: KeyOrder,
    pub after: Option<Key>,
    pub keep: usize,
}

pub struct KeyedSegment {
    segment: SegmentOrdinal,
    order: KeyOrder,
    after: Option<Key>,
    keep: usize,
    price: Option<Column<i64>>,
    hi: Option<Column<u64>>,
    lo: Option<Column<u64>>,
    top: Vec<(Key, DocAddress)>,
    /// The worst key kept at the last trim: a listing that does not beat it cannot make the
    /// page, and is dropped with one comparison instead of joining the next sort.
    bar: Option<Key>,
}

fn sort(top: &mut [(Key, DocAddress)], order: KeyOrder) {
    if order.descending() {
        top.sort_unstable_by_key(|a| std::cmp::Reverse(a.0));
    } else {
        top.sort_unstable_by_key(|a| a.0);
    }
}

impl KeyedSegment {
    fn trim(&mut self) {
        if self.top.len() >= self.keep.max(1) * 2 {
            sort(&mut self.top, self.order);
            self.top.truncate(self.keep);
            self.bar = self.top.last().map(|(k, _)| *k);
        }
    }

    /// Whether `key` comes before `than` in the order.
    fn before(&self, key: Key, than: Key) -> bool {
        if self.order.descending() { key > than } else { key < than }
    }
}

impl SegmentCollector for KeyedSegment {
    type Fruit = Vec<(Key, DocAddress)>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let price = match self.order {
            KeyOrder::Newest => 0,
            _ => self.price.as_ref().and_then(|c| c.first(doc)).unwrap_or(0),
        };
        let hi = self.hi.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
        let lo = self.lo.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
        let key = Key { price, hi, lo };
        if self.after.is_some_and(|after| !self.before(after, key)) {
            return;
        }
        if self.bar.is_some_and(|bar| !self.before(key, bar)) {
            return;
        }
        self.top.push((key, DocAddress::new(self.segment, doc)));
        self.trim();
    }

    /// Newest first: a block's ids read at once, and a listing whose id's high half is below
    /// the bar dropped before its low half is read.
    fn collect_block(&mut self, docs: &[DocId]) {
        let (KeyOrder::Newest, Some(hi), Some(bar)) = (self.order, self.hi.as_ref(), self.bar) else {
            for doc in docs {
                self.collect(*doc, 0.0);
            }
            return;
        };
        let mut his = [None; COLLECT_BLOCK_BUFFER_LEN];
        let his = &mut his[..docs.len().min(COLLECT_BLOCK_BUFFER_LEN)];
        hi.first_vals(&docs[..his.len()], his);
        for (doc, h) in docs.iter().zip(his.iter()) {
            if h.is_some_and(|h| h >= bar.hi) {
                self.collect(*doc, 0.0);
            }
        }
        for doc in docs.iter().skip(his.len()) {
            self.collect(*doc, 0.0);
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        sort(&mut self.top, self.order);
        self.top.truncate(self.keep);
        self.top
    }
}

impl Collector for KeyedTop {
    type Fruit = Vec<(Key, DocAddress)>;
    type Child = KeyedSegment;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<KeyedSegment> {
        let fast = reader.fast_fields();
        Ok(KeyedSegment {
            segment,
            order: self.order,
            after: self.after,
            keep: self.keep,
            price: fast.i64("price").ok(),
            hi: fast.u64("id_hi").ok(),
            lo: fast.u64("id_lo").ok(),
            top: Vec::new(),
            bar: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Key, DocAddress)> = fruits.into_iter().flatten().collect();
        sort(&mut all, self.order);
        all.truncate(self.keep);
        Ok(all)
    }
}

/// `(facet, key, count)` rows, the shape `listings::facets` assembles.
pub type FacetRows = Vec<(String, String, i64)>;

/// What the marketplace counts (`listings::facets` says, so the SQL and the index agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacetRules {
    /// Price bucket edges, ascending: bucket `i` holds prices below edge `i` and at or above
    /// edge `i - 1`.
    pub price_edges: &'static [i64],
    /// How many tags, the most used first.
    pub top_tags: usize,
}

/// Counts every facet of the matching listings.
pub struct FacetCount(pub FacetRules);

pub struct FacetSegment {
    columns: [Option<StrColumn>; 3],
    counts: [Vec<i64>; 3],
    price: Option<Column<i64>>,
    edges: &'static [i64],
    buckets: Vec<i64>,
}

/// The facets counted by term (column, facet name), in `FacetSegment::columns` order.
pub const FACETS: [(&str, &str); 3] = [("category", "category"), ("condition", "condition"), ("tag", "tag")];

impl SegmentCollector for FacetSegment {
    type Fruit = HashMap<(String, String), i64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(std::slice::from_ref(&doc));
    }

    /// Single-valued columns (category, condition, price) read a block at once; tags, many
    /// per listing, one document at a time. (`collect` is a block of one.)
    fn collect_block(&mut self, docs: &[DocId]) {
        for chunk in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            let mut ords = [None; COLLECT_BLOCK_BUFFER_LEN];
            let ords = &mut ords[..chunk.len()];
            for (column, counts) in self.columns.iter().zip(self.counts.iter_mut()) {
                let Some(c) = column else { continue };
                let mut bump = |ord: u64| {
                    if let Some(n) = counts.get_mut(ord as usize) {
                        *n += 1;
                    }
                };
                if c.ords().get_cardinality() == Cardinality::Multivalued {
                    chunk.iter().flat_map(|doc| c.term_ords(*doc)).for_each(&mut bump);
                } else {
                    c.ords().first_vals(chunk, ords);
                    ords.iter().flatten().copied().for_each(bump);
                }
            }
            if let Some(price) = &self.price {
                let mut prices = [None; COLLECT_BLOCK_BUFFER_LEN];
                let prices = &mut prices[..chunk.len()];
                price.first_vals(chunk, prices);
                for p in prices.iter().flatten() {
                    if let Some(b) = self.buckets.get_mut(self.edges.partition_point(|e| e <= p)) {
                        *b += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out = HashMap::new();
        let mut text = String::new();
        for ((facet, _), (column, counts)) in FACETS.iter().zip(self.columns.iter().zip(self.counts.iter())) {
            let Some(column) = column else { continue };
            for (ord, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
                text.clear();
                if column.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
                    *out.entry(((*facet).to_owned(), text.clone())).or_default() += n;
                }
            }
        }
        for (i, n) in self.buckets.iter().enumerate().filter(|(_, n)| **n > 0) {
            *out.entry(("price".to_owned(), i.to_string())).or_default() += n;
        }
        out
    }
}

impl Collector for FacetCount {
    type Fruit = FacetRows;
    type Child = FacetSegment;

    fn for_segment(&self, _: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let fast = reader.fast_fields();
        let columns = [fast.str(FACETS[0].1)?, fast.str(FACETS[1].1)?, fast.str(FACETS[2].1)?];
        let counts = [0, 1, 2].map(|i| vec![0i64; columns[i].as_ref().map_or(0, |c| c.num_terms())]);
        let edges = self.0.price_edges;
        Ok(FacetSegment { columns, counts, price: fast.i64("price").ok(), edges, buckets: vec![0; edges.len() + 1] })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<(String, String), i64>>) -> tantivy::Result<FacetRows> {
        Ok(merge_facets(self.0, fruits))
    }
}

/// Segments' facet counts as rows: summed, and the top tags only (like the SQL: by count, then
/// name).
pub fn merge_facets(rules: FacetRules, fruits: Vec<HashMap<(String, String), i64>>) -> FacetRows {
    let mut all: HashMap<(String, String), i64> = HashMap::new();
    for f in fruits {
        for (k, n) in f {
            *all.entry(k).or_default() += n;
        }
    }
    let (mut tags, rest): (FacetRows, FacetRows) =
        all.into_iter().map(|((facet, key), n)| (facet, key, n)).partition(|(facet, _, _)| facet == "tag");
    tags.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    tags.truncate(rules.top_tags);
    rest.into_iter().chain(tags).collect()
}
