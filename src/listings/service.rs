//! The listings service: an actor per HTTP worker delegating to `ListingCore`. Status changes
//! go through `model::transition` under the listing row's lock; archiving and deleting expire
//! the listing's open offers (history, activity, pushes) in the same transaction.

use super::facet_cache::FacetCache;
use super::facets::{self, Facets};
use super::model::*;
use super::query::{self, Compiled, ListingQuery};
use super::repo::{self, ListingRow};
use super::search::{self, Cursor, Filter, Sort};
use crate::activity;
use crate::automod::{self, model::Surface};
use crate::categories::repo as categories_repo;
use crate::categories::tree::Tree;
use crate::db::{PooledConn, checkout};
use crate::offers::{events as offer_events, repo as offers_repo};
use crate::search::changes::Kind;
use crate::search::collect_listings::{Key, KeyOrder};
use crate::search::handle::IndexBusy;
use crate::search::listing_index::{ListingAsk, ListingOrder};
use crate::search::query::{self as search_query, Rules};
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::tracks::repo as tracks_repo;
use crate::users::repo as users_repo;
use actix::prelude::Message;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use veza_core::Code;
use veza_core::{CategoryId, ListingId, TrackId, UserId};

pub struct ListingCore {
    pub state: AppState,
    facets: FacetCache,
}

/// The listings service actor (one per HTTP worker).
pub type ListingService = Service<ListingCore>;

impl Core for ListingCore {
    fn new(state: AppState) -> Self {
        let facets = FacetCache::new(std::time::Duration::from_millis(state.config.listings.facet_cache_ms));
        ListingCore { state, facets }
    }
}

#[derive(Debug, Message)]
#[rtype(result = "Result<ListingView, ListingError>")]
pub struct CreateListing {
    pub user: UserId,
    /// The seller's roles (automatic moderation's exemptions).
    pub roles: Vec<String>,
    pub body: NewListing,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<ListingView, ListingError>")]
pub struct GetListing {
    pub viewer: Option<UserId>,
    pub id: ListingId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<ListingView, ListingError>")]
pub struct UpdateListing {
    pub user: UserId,
    pub roles: Vec<String>,
    pub id: ListingId,
    pub patch: ListingPatch,
}

/// A status change the seller asks for: publish, archive, reactivate.
#[derive(Debug, Message)]
#[rtype(result = "Result<ListingView, ListingError>")]
pub struct ChangeStatus {
    pub user: UserId,
    pub id: ListingId,
    pub action: ListingAction,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), ListingError>")]
pub struct DeleteListing {
    pub user: UserId,
    pub id: ListingId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<ListingPage, ListingError>")]
pub struct SearchListings {
    pub viewer: Option<UserId>,
    pub query: ListingQuery,
    /// `query.limit`, checked.
    pub limit: i64,
}

/// A page of listings; `facets` describe the whole filtered set and come with the first page
/// (a cursor's page has the same set, so they are not counted again).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<ListingView>,
    pub next_cursor: Option<String>,
    pub facets: Option<Facets>,
}

/// How deep a relevance ranking pages (an offset per page costs the pages before it).
const RANKED_REACH: usize = 1000;

/// A keyset cursor as the index's key.
fn key_of(c: Cursor) -> Option<Key> {
    let (price, id) = match c {
        Cursor::Newest { id } => (0, id),
        Cursor::Price { amount, id } => (amount, id),
        Cursor::Relevance { .. } | Cursor::Ranked { .. } => return None,
    };
    let (hi, lo) = id.as_u64_pair();
    Some(Key { price, hi, lo })
}

crate::delegate_to_core!(ListingCore {
    CreateListing => create,
    GetListing => get,
    UpdateListing => update,
    ChangeStatus => change_status,
    DeleteListing => delete,
    SearchListings => search,
});

async fn record(conn: &mut AsyncPgConnection, row: &ListingRow, kind: &str) -> diesel::QueryResult<()> {
    activity::record(conn, row.seller_id, kind, json!({ "listing": row.id, "title": row.title })).await
}

/// The listing as `user` may act on it: drafts of others do not exist, others' listings are 403.
fn owned(row: Option<ListingRow>, user: UserId) -> Result<ListingRow, ListingError> {
    let row = row.ok_or(ListingError::NotFound)?;
    if row.seller_id == user {
        Ok(row)
    } else if row.status().is_public() {
        Err(not_the_seller())
    } else {
        Err(ListingError::NotFound)
    }
}

impl ListingCore {
    async fn conn(&self) -> Result<PooledConn<'_>, ListingError> {
        Ok(checkout(&self.state.pool).await?)
    }

    /// For read-only queries of `reader`: the replica when it may answer (`infra::reads`).
    async fn read_conn(&self, reader: Option<UserId>) -> Result<PooledConn<'_>, ListingError> {
        Ok(self.state.reads.conn(reader).await?)
    }

    async fn view(conn: &mut AsyncPgConnection, id: ListingId) -> Result<ListingView, ListingError> {
        let (row, seller) = repo::get(conn, id).await?.ok_or(ListingError::NotFound)?;
        Ok(row.view(seller))
    }

    async fn ensure_category(conn: &mut AsyncPgConnection, id: CategoryId) -> Result<(), ListingError> {
        if categories_repo::exists(conn, id).await? {
            Ok(())
        } else {
            Err(ListingError::invalid("category_id", "no such category"))
        }
    }

    /// A listing's track must be one its seller owns.
    async fn ensure_track(
        conn: &mut AsyncPgConnection,
        track: Option<uuid::Uuid>,
        seller: UserId,
    ) -> Result<(), ListingError> {
        match track {
            Some(id) if !tracks_repo::owned_by(conn, TrackId(id), seller).await? => {
                Err(ListingError::invalid("track_id", "not one of your tracks"))
            }
            _ => Ok(()),
        }
    }

    pub async fn create(&self, m: CreateListing) -> Result<ListingView, ListingError> {
        let content = m.body.validate()?;
        let flag = self.moderate(m.user, &m.roles, &content)?;
        let status = if m.body.publish {
            transition(ListingStatus::Draft, ListingAction::Publish)?
        } else {
            ListingStatus::Draft
        };
        let mut conn = self.conn().await?;
        let id = ListingId::new_v7();
        conn.transaction::<_, ListingError, _>(async |conn| {
            Self::ensure_category(conn, content.category_id).await?;
            Self::ensure_track(conn, content.track_id, m.user).await?;
            let row = repo::insert(conn, id, m.user, &content, status).await?;
            record(conn, &row, "listing.created").await?;
            if status == ListingStatus::Active {
                record(conn, &row, "listing.published").await?;
            }
            Ok(())
        })
        .await?;
        self.state.search.wrote(Kind::Listing, id.uuid()).await;
        self.flag(id, m.user, flag);
        Self::view(&mut conn, id).await
    }

    /// The title and the description through the automatic moderation rules: 422 on the field
    /// a rule refuses; the rule that flags, if any.
    fn moderate(&self, user: UserId, roles: &[String], c: &ListingContent) -> Result<Option<Arc<str>>, ListingError> {
        let rules = self.state.settings.automod();
        let fields = [("title", c.title.as_str()), ("description", c.description.as_str())];
        automod::judge_fields(&rules, Surface::Listings, user, roles, &fields)
            .map_err(|field| ListingError::invalid(field, "breaks a moderation rule"))
    }

    /// After the commit: moderators get a case on a flagged listing.
    fn flag(&self, id: ListingId, user: UserId, rule: Option<Arc<str>>) {
        if let Some(rule) = rule {
            let target = automod::FlaggedTarget::Listing(id.uuid());
            self.state.flags.flag(automod::Flagged { target, user, rule: rule.to_string() });
        }
    }

    pub async fn get(&self, m: GetListing) -> Result<ListingView, ListingError> {
        // The hottest read of the marketplace: memory (then Redis) before PostgreSQL.
        let load = async {
            let mut conn = self.conn().await?;
            Ok::<_, ListingError>(repo::get(&mut conn, m.id).await?)
        };
        let (row, seller) =
            self.state.cache.get_or_load(&repo::cache_key(m.id), load).await?.ok_or(ListingError::NotFound)?;
        if !row.status().is_public() && m.viewer != Some(row.seller_id) {
            return Err(ListingError::NotFound);
        }
        // A seller looking at their own listing is not a view.
        if m.viewer != Some(row.seller_id) {
            self.state.listing_views.add(row.id.uuid());
        }
        Ok(row.view(seller))
    }

    pub async fn update(&self, m: UpdateListing) -> Result<ListingView, ListingError> {
        let mut conn = self.conn().await?;
        let flag = conn
            .transaction::<_, ListingError, _>(async |conn| {
                let row = owned(repo::lock(conn, m.id).await?, m.user)?;
                let status = row.status();
                if status == ListingStatus::Sold {
                    return Err(ListingError::Conflict(Code::ListingSold, "a sold listing cannot be edited".into()));
                }
                let current = row.content();
                let next = m.patch.apply(&current)?;
                // Offers are made in the listing's currency: it cannot change under open ones.
                if next.price.currency != current.price.currency
                    && matches!(status, ListingStatus::Active | ListingStatus::Reserved)
                {
                    return Err(ListingError::Conflict(
                        Code::CurrencyLocked,
                        "the currency of an active or reserved listing cannot change".into(),
                    ));
                }
                if next.category_id != current.category_id {
                    Self::ensure_category(conn, next.category_id).await?;
                }
                if next.track_id != current.track_id {
                    Self::ensure_track(conn, next.track_id, m.user).await?;
                }
                let mut flag = None;
                if (&next.title, &next.description) != (&current.title, &current.description) {
                    flag = self.moderate(m.user, &m.roles, &next)?;
                }
                if next != current {
                    let row = repo::update_content(conn, m.id, &next).await?;
                    record(conn, &row, "listing.updated").await?;
                }
                Ok(flag)
            })
            .await?;
        self.state.cache.invalidate(&repo::cache_key(m.id));
        self.state.search.wrote(Kind::Listing, m.id.uuid()).await;
        self.flag(m.id, m.user, flag);
        Self::view(&mut conn, m.id).await
    }

    pub async fn change_status(&self, m: ChangeStatus) -> Result<ListingView, ListingError> {
        if !matches!(m.action, ListingAction::Publish | ListingAction::Archive | ListingAction::Reactivate) {
            return Err(not_the_seller());
        }
        let mut conn = self.conn().await?;
        let expired = conn
            .transaction::<_, ListingError, _>(async |conn| {
                let row = owned(repo::lock(conn, m.id).await?, m.user)?;
                let to = transition(row.status(), m.action)?;
                let row = repo::set_status(conn, row.id, to).await?;
                record(conn, &row, &format!("listing.{}", m.action.past_tense())).await?;
                // Archiving takes the listing off the market: its open offers expire.
                let expired = match to {
                    ListingStatus::Archived => offer_events::expire_open_of_listing(conn, row.id, None).await?,
                    _ => Vec::new(),
                };
                Ok(expired)
            })
            .await?;
        self.state.cache.invalidate(&repo::cache_key(m.id));
        self.state.search.wrote(Kind::Listing, m.id.uuid()).await;
        offer_events::announce_updated(&mut conn, &self.state.realtime, &self.state.metrics, &expired).await;
        Self::view(&mut conn, m.id).await
    }

    pub async fn delete(&self, m: DeleteListing) -> Result<(), ListingError> {
        let mut conn = self.conn().await?;
        let expired = conn
            .transaction::<_, ListingError, _>(async |conn| {
                let row = owned(repo::lock(conn, m.id).await?, m.user)?;
                if matches!(row.status(), ListingStatus::Reserved | ListingStatus::Sold) {
                    return Err(ListingError::Conflict(
                        Code::ListingHasAcceptedOffer,
                        "a listing with an accepted offer cannot be deleted".into(),
                    ));
                }
                // Open offers end as expired (their parties hear it) before the rows go.
                let ids = offer_events::expire_open_of_listing(conn, row.id, None).await?;
                let rows = offers_repo::get_many(conn, &ids).await?;
                let views = offers_repo::views(conn, rows, true).await?;
                repo::delete(conn, row.id).await?;
                record(conn, &row, "listing.deleted").await?;
                Ok(views)
            })
            .await?;
        self.state.cache.invalidate(&repo::cache_key(m.id));
        self.state.search.wrote(Kind::Listing, m.id.uuid()).await;
        for v in &expired {
            offer_events::entered(&self.state.metrics, v.status);
            offer_events::push(&self.state.realtime, offer_events::UPDATED, v);
        }
        Ok(())
    }

    /// The page from the node's search index when it is ready (`None`: PostgreSQL answers).
    /// Keyset cursors are the same for both; a relevance cursor says which answered it. A
    /// query the index's parser refuses (punctuation only, past 10 terms) goes to PostgreSQL,
    /// whose web-search syntax takes it.
    /// Takes a connection only once the index has answered: a search waits on its thread
    /// holding none.
    async fn search_indexed(
        &self,
        tree: &Tree,
        filter: &Filter,
        sort: Sort,
        cursor: Option<Cursor>,
        limit: i64,
    ) -> Result<Option<ListingPage>, ListingError> {
        let search = &self.state.search;
        if matches!(cursor, Some(Cursor::Relevance { .. })) {
            return Ok(None);
        }
        let text = match &filter.q {
            Some(q) => match search_query::parse(q, &Rules::with_typos(self.state.settings.search_typos())) {
                Ok(parsed) => Some(parsed),
                Err(_) => return Ok(None),
            },
            None => None,
        };
        let limit = usize::try_from(limit).unwrap_or(0);
        let order = match (sort, cursor) {
            (Sort::Relevance, Some(Cursor::Ranked { epoch, generation, offset })) => {
                ListingOrder::Ranked { offset, generation: (epoch == search.epoch()).then_some(generation) }
            }
            (Sort::Relevance, _) => ListingOrder::Ranked { offset: 0, generation: None },
            (Sort::Newest, c) => ListingOrder::Keyed { order: KeyOrder::Newest, after: c.and_then(key_of) },
            (Sort::PriceAsc, c) => ListingOrder::Keyed { order: KeyOrder::PriceAsc, after: c.and_then(key_of) },
            (Sort::PriceDesc, c) => ListingOrder::Keyed { order: KeyOrder::PriceDesc, after: c.and_then(key_of) },
        };
        let offset = match order {
            ListingOrder::Ranked { offset, .. } => offset,
            ListingOrder::Keyed { .. } => 0,
        };
        let ask = ListingAsk {
            text,
            status: filter.status.as_str().to_owned(),
            drafts_of: (!filter.status.is_public()).then_some(filter.viewer.map(|v| v.uuid())),
            categories: filter.categories.clone(),
            tags: filter.tags.clone(),
            min_price: filter.min_price,
            max_price: filter.max_price,
            currency: filter.currency.clone(),
            condition: filter.condition.map(|c| c.as_str().to_owned()),
            seller: filter.seller.map(|s| s.uuid()),
            order,
            limit,
            facets: cursor.is_none().then_some(facets::RULES),
            deadline: Instant::now() + Duration::from_millis(self.state.config.search.timeout_ms.max(1) * 4),
        };
        let found = match search.with_index(ask.deadline, move |index| index.listings(&ask)).await {
            None => return Ok(None),
            Some(Ok(Ok(found))) => found,
            Some(Ok(Err(e))) => {
                tracing::warn!(error = %e, "listings from the search index failed; PostgreSQL answers");
                return Ok(None);
            }
            // Overloaded: PostgreSQL is the slower path for the same walk, and sending the
            // overflow there turns a busy node into a stalled one. Shed it instead.
            Some(Err(IndexBusy::NoThread)) => return Err(ListingFault::Busy.into()),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "listings from the search index: the thread failed; PostgreSQL answers");
                return Ok(None);
            }
        };
        // The views from PostgreSQL, in the index's order; what changed since the index saw
        // it (a draft again, a suspended seller) drops out.
        let viewer = filter.viewer.map(|v| v.uuid());
        let mut rows: std::collections::HashMap<uuid::Uuid, (ListingRow, String)> =
            repo::many(&*self.read_conn(filter.viewer).await?, &found.ids)
                .await?
                .into_iter()
                .map(|(r, seller)| (r.id.uuid(), (r, seller)))
                .collect();
        let items = found
            .ids
            .iter()
            .filter_map(|id| rows.remove(id))
            .filter(|(r, _)| r.status().is_public() || viewer == Some(r.seller_id.uuid()))
            .map(|(r, seller)| r.view(seller))
            .collect();
        let next_cursor = match (found.more, order, found.last) {
            (false, _, _) => None,
            (true, ListingOrder::Ranked { .. }, _) if offset + limit < RANKED_REACH => Some(search::encode_cursor(
                sort,
                Cursor::Ranked { epoch: search.epoch(), generation: found.generation, offset: offset + limit },
            )),
            (true, ListingOrder::Ranked { .. }, _) => None,
            (true, ListingOrder::Keyed { .. }, Some(last)) => {
                let id = last.id();
                let c = match sort {
                    Sort::PriceAsc | Sort::PriceDesc => Cursor::Price { amount: last.price, id },
                    _ => Cursor::Newest { id },
                };
                Some(search::encode_cursor(sort, c))
            }
            (true, ListingOrder::Keyed { .. }, None) => None,
        };
        let facets = found.facets.map(|rows| facets::assemble(rows.into_iter(), tree));
        Ok(Some(ListingPage { items, next_cursor, facets }))
    }

    /// Facets of `filter`, from the cache when a public filter was counted a moment ago.
    async fn facets_of(
        &self,
        conn: &mut AsyncPgConnection,
        filter: &Filter,
        tree: &Tree,
    ) -> Result<Facets, ListingError> {
        if !filter.status.is_public() {
            return Ok(facets::compute(conn, filter, tree).await?);
        }
        let key = format!("{:?}", Filter { viewer: None, ..filter.clone() });
        if let Some(hit) = self.facets.get(&key) {
            return Ok(hit);
        }
        let fresh = facets::compute(conn, filter, tree).await?;
        self.facets.put(key, &fresh);
        Ok(fresh)
    }

    pub async fn search(&self, m: SearchListings) -> Result<ListingPage, ListingError> {
        let mut conn = self.read_conn(m.viewer).await?;
        let tree = Tree::new(categories_repo::all(&mut conn).await?);
        let Compiled { mut filter, sort, cursor, seller_key } = query::compile(&m.query, m.viewer, &tree)?;
        if let Some(key) = seller_key {
            // An unknown seller has no listings: the nil id matches nothing.
            filter.seller =
                Some(users_repo::profile_by_key(&mut conn, &key).await?.map_or(UserId::default(), |u| u.id));
        }
        drop(conn);
        if let Some(page) = self.search_indexed(&tree, &filter, sort, cursor, m.limit).await? {
            return Ok(page);
        }
        let mut conn = self.read_conn(m.viewer).await?;
        if matches!(cursor, Some(Cursor::Ranked { .. })) {
            return Err(ListingError::invalid("cursor", "the ranking this cursor paged is gone; search again"));
        }
        // One row more than asked tells whether another page exists.
        let mut rows = search::page(&mut conn, &filter, sort, cursor, m.limit + 1).await?;
        let more = rows.len() as i64 > m.limit;
        rows.truncate(usize::try_from(m.limit).unwrap_or(0));
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(search::encode_cursor(sort, last.cursor(sort))),
            _ => None,
        };
        let facets = match cursor {
            None => Some(self.facets_of(&mut conn, &filter, &tree).await?),
            Some(_) => None,
        };
        let items = rows.into_iter().map(|r| r.listing.view(r.seller_username)).collect();
        Ok(ListingPage { items, next_cursor, facets })
    }
}
