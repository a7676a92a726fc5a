//! The search service: parses and checks a query, runs it on the node's index (on a bounded
//! pool of blocking threads, stopped by the deadline) or, while the index builds, on
//! PostgreSQL; then loads what it found as the entities' views (`views.rs`) and counts the
//! search for popular queries, off the request path.

use super::changes::Kind;
use super::cursor::{Cursor, MAX_REACH};
use super::engine::{Audience, Found, Hit};
use super::fallback::{self, Ask};
use super::handle::IndexBusy;
use super::highlight;
use super::model::*;
use super::port::{IndexAnswer, IndexQuery, Scope};
use super::queries_repo;
use super::query::{self, QueryError, Rules};
use super::views;
use crate::db::{PooledConn, checkout};
use crate::error::{DomainError, Fault};
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::users::repo as users_repo;
use actix::prelude::Message;
use chrono::Utc;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;
use veza_core::UserId;

/// Search's failures beyond the shared ones (all 422).
#[derive(Debug, thiserror::Error)]
pub enum SearchFault {
    #[error("{0}")]
    Query(#[from] QueryError),
    #[error("type at least 2 characters for suggestions")]
    TooShort,
    #[error("unknown type `{0}` (types: listing, track, user, room)")]
    UnknownType(String),
    #[error("{0}")]
    Cursor(&'static str),
    /// The index failed under a search (a bug or a broken disk): 500.
    #[error("search index: {0}")]
    Index(String),
}

impl Fault for SearchFault {}

pub type SearchError = DomainError<SearchFault>;

pub const DEFAULT_LIMIT: u32 = 10;
pub const MAX_LIMIT: u32 = 50;
const SUGGESTIONS: usize = 10;
/// Popular queries offered among suggestions, at most.
const POPULAR_SUGGESTIONS: usize = 3;
const POPULAR_SHOWN: i64 = 20;
/// Popular and zero-result reports are read again at most this often per worker.
const REPORT_TTL: Duration = Duration::from_secs(5);

#[derive(Debug, Message)]
#[rtype(result = "Result<SearchPage, SearchError>")]
pub struct Search {
    pub viewer: Option<UserId>,
    /// Who counts as the searcher for popular queries: a user id, or a hash of the address.
    pub searcher: String,
    pub params: SearchParams,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Suggestions, SearchError>")]
pub struct Suggest {
    pub viewer: Option<UserId>,
    pub q: Option<String>,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<PopularQueries, SearchError>")]
pub struct Popular(pub Window);

#[derive(Debug, Message)]
#[rtype(result = "Result<ZeroResultQueries, SearchError>")]
pub struct ZeroResults(pub Window);

pub struct SearchCore {
    state: AppState,
    popular: Mutex<HashMap<Window, (Instant, Vec<PopularQuery>)>>,
}

/// The search service actor (one per HTTP worker).
pub type SearchService = Service<SearchCore>;

impl Core for SearchCore {
    fn new(state: AppState) -> Self {
        SearchCore { state, popular: Mutex::new(HashMap::new()) }
    }
}

crate::delegate_to_core!(SearchCore {
    Search => search,
    Suggest => suggest,
    Popular => popular,
    ZeroResults => zero_results,
});

/// `types=listing,track` as kinds, in that order, each once; none means all.
pub fn kinds(types: Option<&str>) -> Result<Vec<Kind>, SearchError> {
    let Some(types) = types.filter(|t| !t.trim().is_empty()) else { return Ok(Kind::ALL.to_vec()) };
    let mut out = Vec::new();
    for t in types.split(',').map(str::trim) {
        let k = Kind::parse(t).ok_or_else(|| SearchFault::UnknownType(t.chars().take(32).collect()))?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out)
}

impl SearchCore {
    async fn conn(&self) -> Result<PooledConn<'_>, SearchError> {
        Ok(checkout(&self.state.pool).await?)
    }

    /// For read-only queries of `reader`: the replica when it may answer (`infra::reads`).
    async fn read_conn(&self, reader: Option<UserId>) -> Result<PooledConn<'_>, SearchError> {
        Ok(self.state.reads.conn(reader).await?)
    }

    /// The query rules, with the runtime setting's typo thresholds.
    fn rules(&self) -> Rules {
        Rules::with_typos(self.state.settings.search_typos())
    }

    fn deadline(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.state.config.search.timeout_ms)
    }

    /// Users blocked either way by the viewer (a connection only when there is a viewer).
    async fn hidden(&self, viewer: Option<UserId>) -> Result<Vec<Uuid>, SearchError> {
        Ok(match viewer {
            Some(v) => users_repo::blocked_either_way_of(&mut *self.conn().await?, v).await?,
            None => Vec::new(),
        })
    }

    /// Runs `q` on the index, on a blocking thread behind a permit, within its deadline;
    /// `None` when the index is not ready.
    async fn on_index(&self, q: IndexQuery) -> Result<Option<IndexAnswer>, SearchError> {
        match self.state.search.with_index(q.deadline, move |index| index.query(&q)).await {
            None => Ok(None),
            Some(Ok(Ok(answer))) => Ok(Some(answer)),
            // Every search thread busy until the deadline: nothing found in time.
            Some(Err(IndexBusy::NoThread)) => {
                Ok(Some(IndexAnswer { found: Found { partial: true, ..Found::default() }, generation: 0 }))
            }
            Some(Err(e)) => Err(SearchFault::Index(e.to_string()).into()),
            Some(Ok(Err(e))) => Err(SearchFault::Index(e.to_string()).into()),
        }
    }

    pub async fn search(&self, m: Search) -> Result<SearchPage, SearchError> {
        let deadline = self.deadline();
        let parsed = query::parse(m.params.q.as_deref().unwrap_or(""), &self.rules()).map_err(SearchFault::Query)?;
        let kinds = kinds(m.params.types.as_deref())?;
        let limit = m.params.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(SearchError::invalid("limit", format!("1 to {MAX_LIMIT}")));
        }
        let limit = limit as usize;
        let cursor = match m.params.cursor.as_deref() {
            None => None,
            Some(_) if kinds.len() != 1 => {
                return Err(SearchFault::Cursor("a cursor pages one type: name exactly one in `types`").into());
            }
            Some(c) => Some(Cursor::decode(c).ok_or(SearchFault::Cursor("not a cursor of this search"))?),
        };
        let offset = cursor.map_or(0, |c| c.offset);
        let limit = limit.min(MAX_REACH - offset);
        let viewer = m.viewer.map(|v| v.uuid());
        // No connection is held while the index searches: the pool serves others meanwhile.
        let hidden = self.hidden(m.viewer).await?;
        let epoch = self.state.search.epoch();
        let q = IndexQuery {
            parsed: parsed.clone(),
            kinds: kinds.clone(),
            audience: Audience { viewer, hidden: hidden.clone() },
            scope: Scope::Everything,
            limit,
            offset,
            generation: cursor.and_then(|c| c.generation_here(epoch)),
            deadline,
        };
        let (found, source, cursor_epoch, generation) = match self.on_index(q).await? {
            Some(a) => (a.found, SearchSource::Index, epoch, a.generation),
            None => {
                let timeout_ms = deadline.saturating_duration_since(Instant::now()).as_millis().max(1);
                let ask = Ask {
                    parsed: &parsed,
                    kinds: &kinds,
                    viewer,
                    hidden: &hidden,
                    limit,
                    offset,
                    timeout_ms: u64::try_from(timeout_ms).unwrap_or(u64::MAX),
                };
                (fallback::run(&mut *self.read_conn(m.viewer).await?, ask).await?, SearchSource::Database, 0, 0)
            }
        };
        // Rows found by the index may come from the rows kept beside it; PostgreSQL's own
        // answers are read from PostgreSQL.
        let views_kept = self.state.search.views();
        let cache = (source == SearchSource::Index).then_some(views_kept.as_ref());
        let results =
            views::load(&mut *self.read_conn(m.viewer).await?, &found, &kinds, (viewer, &hidden), &parsed, cache)
                .await?;
        let next_cursor = match kinds.as_slice() {
            [k] if (offset + limit) < MAX_REACH && ((offset + limit) as u64) < found.counts[k.index()] => {
                Some(Cursor { epoch: cursor_epoch, generation, offset: offset + limit }.encode())
            }
            _ => None,
        };
        if cursor.is_none() && !found.partial {
            let zero = found.counts.iter().all(|c| *c == 0);
            self.state.search.queries().record(parsed.normalized(), m.searcher, zero);
        }
        let counts_at_least =
            kinds.iter().filter(|k| found.at_least[k.index()]).map(|k| k.plural().to_owned()).collect();
        Ok(SearchPage {
            counts: counts(&kinds, &found),
            counts_at_least,
            results,
            partial: found.partial,
            next_cursor,
            source,
        })
    }

    pub async fn suggest(&self, m: Suggest) -> Result<Suggestions, SearchError> {
        let deadline = self.deadline();
        let raw = m.q.as_deref().unwrap_or("");
        if raw.trim().chars().count() < 2 {
            return Err(SearchFault::TooShort.into());
        }
        let rules = self.rules();
        let mut parsed = query::parse(raw, &rules).map_err(SearchFault::Query)?;
        // Suggestions complete what is typed, a trailing space or not.
        if let Some(last) = parsed.words.last_mut().filter(|w| w.term.chars().count() >= rules.prefix_from) {
            last.prefix = true;
        }
        let typed = parsed.normalized();
        let marker = highlight::Marker::new(&parsed);
        let mut out: Vec<Suggestion> = self
            .popular_now(Window::Week)
            .await?
            .into_iter()
            .filter(|p| p.query.starts_with(&typed) && p.query != typed)
            .take(POPULAR_SUGGESTIONS)
            .map(|p| Suggestion {
                highlight: highlight::highlight(&marker, &p.query, false).unwrap_or_else(|| highlight::plain(&p.query)),
                text: p.query,
                kind: SuggestionKind::Query,
                id: None,
            })
            .collect();
        let viewer = m.viewer.map(|v| v.uuid());
        let hidden = self.hidden(m.viewer).await?;
        let q = IndexQuery {
            parsed: parsed.clone(),
            kinds: Kind::ALL.to_vec(),
            audience: Audience { viewer, hidden },
            scope: Scope::Titles,
            limit: SUGGESTIONS,
            offset: 0,
            generation: None,
            deadline,
        };
        let Some(IndexAnswer { found, .. }) = self.on_index(q).await? else {
            // No index yet: popular queries only.
            return Ok(Suggestions { suggestions: out });
        };
        let mut hits: Vec<&Hit> = found.hits.iter().flatten().collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        for h in hits.into_iter().take(SUGGESTIONS - out.len()) {
            out.push(Suggestion {
                highlight: highlight::highlight(&marker, &h.title, false).unwrap_or_else(|| highlight::plain(&h.title)),
                text: h.title.clone(),
                kind: match h.kind {
                    Kind::Listing => SuggestionKind::Listing,
                    Kind::Track => SuggestionKind::Track,
                    Kind::User => SuggestionKind::User,
                    Kind::Room => SuggestionKind::Room,
                },
                id: Some(h.id),
            });
        }
        Ok(Suggestions { suggestions: out })
    }

    /// The window's popular queries: enough distinct users, no banned word (cached briefly).
    async fn popular_now(&self, window: Window) -> Result<Vec<PopularQuery>, SearchError> {
        if let Ok(mut cache) = self.popular.lock()
            && let Some((at, list)) = cache.get_mut(&window)
        {
            if at.elapsed() < REPORT_TTL {
                return Ok(list.clone());
            }
            // Stale: this request refreshes it; the others meanwhile keep the stale list
            // rather than all asking PostgreSQL at once.
            *at = Instant::now();
        }
        let min_users = i64::from(self.state.config.search.popular_min_users.max(1));
        let since = Utc::now() - window.span();
        let mut conn = self.conn().await?;
        let rows = queries_repo::popular(&mut conn, since, min_users, POPULAR_SHOWN * 5).await?;
        let settings = &self.state.settings;
        let list: Vec<PopularQuery> = rows
            .into_iter()
            .filter(|r| settings.banned_word_in(&r.query).is_none())
            .take(POPULAR_SHOWN as usize)
            .map(|r| PopularQuery { query: r.query, users: r.users })
            .collect();
        if let Ok(mut cache) = self.popular.lock() {
            cache.insert(window, (Instant::now(), list.clone()));
        }
        Ok(list)
    }

    pub async fn popular(&self, m: Popular) -> Result<PopularQueries, SearchError> {
        Ok(PopularQueries { window: m.0, queries: self.popular_now(m.0).await? })
    }

    pub async fn zero_results(&self, m: ZeroResults) -> Result<ZeroResultQueries, SearchError> {
        let since = Utc::now() - m.0.span();
        let mut conn = self.conn().await?;
        let rows = queries_repo::zero_results(&mut conn, since, 100).await?;
        let queries = rows
            .into_iter()
            .map(|r| ZeroResultQuery { query: r.query, searches: r.searches, users: r.users, last_at: r.last_at })
            .collect();
        Ok(ZeroResultQueries { window: m.0, queries })
    }
}

fn counts(kinds: &[Kind], found: &Found) -> SearchCounts {
    let of = |k: Kind| kinds.contains(&k).then_some(found.counts[k.index()]);
    SearchCounts { listings: of(Kind::Listing), tracks: of(Kind::Track), users: of(Kind::User), rooms: of(Kind::Room) }
}
