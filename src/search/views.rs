//! What a search found, as the entities' own views (read from PostgreSQL, the source of truth,
//! in the order the search ranked them) with highlights. Who may see what is checked again
//! here: an index a moment behind must not show what was just made private or blocked.

use super::changes::Kind;
use super::engine::Found;
use super::highlight::{self, Marker};
use super::model::{ListingHit, RoomHit, SearchResults, TrackHit, UserHit};
use super::query::Parsed;
use super::view_cache::{Shelf, ViewCache};
use crate::chat::model::{RoomView, Visibility};
use crate::chat::repo as chat_repo;
use crate::listings::repo as listings_repo;
use crate::tracks::repo as tracks_repo;
use crate::users::repo as users_repo;
use diesel_async::AsyncPgConnection;
use futures_util::future::try_join_all;
use std::collections::HashMap;
use uuid::Uuid;
use veza_core::UserId;

/// `rows` keyed by id, taken out in `order`.
fn in_order<T>(order: &[Uuid], rows: Vec<(Uuid, T)>) -> Vec<T> {
    let mut by_id: HashMap<Uuid, T> = rows.into_iter().collect();
    order.iter().filter_map(|id| by_id.remove(id)).collect()
}

/// The rows of `ids`, through the cache's `shelf` when there is a cache; none for no ids.
async fn rows_of<T, F, Fut>(
    cache: Option<&ViewCache>,
    shelf: fn(&ViewCache) -> &Shelf<T>,
    ids: &[Uuid],
    id_of: fn(&T) -> Uuid,
    load: F,
) -> diesel::QueryResult<Vec<T>>
where
    T: Clone,
    F: FnOnce(Vec<Uuid>) -> Fut,
    Fut: Future<Output = diesel::QueryResult<Vec<T>>>,
{
    match cache {
        _ if ids.is_empty() => Ok(Vec::new()),
        Some(c) => c.through(shelf(c), ids, id_of, load).await,
        None => load(ids.to_vec()).await,
    }
}

/// One kind's hits.
enum Piece {
    Listings(Vec<ListingHit>),
    Tracks(Vec<TrackHit>),
    Users(Vec<UserHit>),
    Rooms(Vec<RoomHit>),
}

/// What one search's page needs to be shown to its viewer.
#[derive(Clone, Copy)]
struct Ask<'a> {
    found: &'a Found,
    viewer: Option<Uuid>,
    hidden: &'a [Uuid],
    marker: &'a Marker<'a>,
    cache: Option<&'a ViewCache>,
}

/// The results of the kinds asked for (`kinds`), highlighted for `q`. Rows come from `cache`
/// when given (what the index found: `view_cache.rs`), the rest from PostgreSQL, the kinds'
/// statements down one connection together (pipelined): one round trip instead of one per kind.
pub async fn load(
    conn: &mut AsyncPgConnection,
    found: &Found,
    kinds: &[Kind],
    (viewer, hidden): (Option<Uuid>, &[Uuid]),
    q: &Parsed,
    cache: Option<&ViewCache>,
) -> diesel::QueryResult<SearchResults> {
    let conn: &AsyncPgConnection = conn;
    let marker = Marker::new(q);
    let ask = Ask { found, viewer, hidden, marker: &marker, cache };
    let pieces = try_join_all(kinds.iter().map(|k| of_kind(conn, *k, ask))).await?;
    let mut out = SearchResults::default();
    for piece in pieces {
        match piece {
            Piece::Listings(h) => out.listings = Some(h),
            Piece::Tracks(h) => out.tracks = Some(h),
            Piece::Users(h) => out.users = Some(h),
            Piece::Rooms(h) => out.rooms = Some(h),
        }
    }
    Ok(out)
}

async fn of_kind(conn: &AsyncPgConnection, kind: Kind, a: Ask<'_>) -> diesel::QueryResult<Piece> {
    let Ask { found, viewer, hidden, marker, cache } = a;
    let order: Vec<Uuid> = found.of(kind).iter().map(|h| h.id).collect();
    let visible_owner = |owner: Uuid| !hidden.contains(&owner);
    Ok(match kind {
        Kind::Listing => {
            let rows = rows_of(
                cache,
                |c| &c.listings,
                &order,
                |(r, _)| r.id.uuid(),
                |ids| async move { listings_repo::many(conn, &ids).await },
            )
            .await?;
            let rows = rows
                .into_iter()
                .filter(|(r, _)| r.status().is_public() || viewer == Some(r.seller_id.uuid()))
                .filter(|(r, _)| visible_owner(r.seller_id.uuid()))
                .map(|(r, seller)| (r.id.uuid(), r.view(seller)));
            let hits = in_order(&order, rows.collect()).into_iter().map(|l| {
                let texts = [("title", Some(l.title.as_str())), ("description", Some(l.description.as_str()))];
                ListingHit { highlight: highlight::fields(marker, &texts, &l.tags), listing: l }
            });
            Piece::Listings(hits.collect())
        }
        Kind::Track => {
            let rows = rows_of(
                cache,
                |c| &c.tracks,
                &order,
                |(r, _)| r.id.uuid(),
                |ids| async move { tracks_repo::many(conn, &ids).await },
            )
            .await?;
            let rows = rows
                .into_iter()
                .filter(|(r, _)| r.visible_to(viewer.map(UserId)) && visible_owner(r.owner_id.uuid()))
                .map(|(r, owner)| (r.id.uuid(), r.view(owner)));
            let hits = in_order(&order, rows.collect()).into_iter().map(|t| {
                let texts =
                    [("title", Some(t.title.as_str())), ("artist", t.artist.as_deref()), ("album", t.album.as_deref())];
                TrackHit { highlight: highlight::fields(marker, &texts, &t.tags), track: t }
            });
            Piece::Tracks(hits.collect())
        }
        Kind::User => {
            let rows = rows_of(
                cache,
                |c| &c.users,
                &order,
                |p| p.id.uuid(),
                |ids| async move { users_repo::active_profiles(conn, &ids).await },
            )
            .await?;
            let rows = rows.into_iter().filter(|p| visible_owner(p.id.uuid())).map(|p| (p.id.uuid(), p.public()));
            let hits = in_order(&order, rows.collect()).into_iter().map(|u| {
                let texts = [
                    ("username", Some(u.username.as_str())),
                    ("display_name", u.display_name.as_deref()),
                    ("bio", u.bio.as_deref()),
                ];
                UserHit { highlight: highlight::fields(marker, &texts, &[]), user: u }
            });
            Piece::Users(hits.collect())
        }
        Kind::Room => {
            let rows = if order.is_empty() {
                Vec::new()
            } else {
                chat_repo::summaries(conn, &order, viewer.map(UserId)).await?
            };
            let rows = rows
                .into_iter()
                .filter(|(r, _, role)| r.visibility == Visibility::Public || role.is_some())
                .filter(|(r, _, _)| r.created_by.is_none_or(|c| visible_owner(c.uuid())))
                .map(|(r, members, role)| {
                    let view = RoomView {
                        id: r.id.uuid(),
                        name: r.name,
                        topic: r.topic,
                        visibility: r.visibility.as_str().to_owned(),
                        is_direct: r.is_direct,
                        member_count: members,
                        role: role.map(|r| r.as_str().to_owned()),
                        last_seq: r.last_seq.0,
                        // Search results are about the room, not the caller's reading of it.
                        last_read_seq: None,
                        peer: None,
                        unread: None,
                        created_at: r.created_at,
                    };
                    (view.id, view)
                });
            let hits = in_order(&order, rows.collect()).into_iter().map(|r| {
                let texts = [("name", Some(r.name.as_str())), ("topic", r.topic.as_deref())];
                RoomHit { highlight: highlight::fields(marker, &texts, &[]), room: r }
            });
            Piece::Rooms(hits.collect())
        }
    })
}
