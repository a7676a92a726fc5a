//! The one rule about blocks, called by every feature that lets one user reach another
//! (friend requests, direct messages, offers): if either has blocked the other, no.

use super::model::UserError;
use super::repo;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use veza_core::UserId;

/// Is there a block between `a` and `b`, in either direction?
pub async fn blocked_either_way(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<bool> {
    repo::blocked_either_way(conn, a, b).await
}

/// `Err(Blocked)` when `from` may not reach `to`.
pub async fn ensure_can_reach(conn: &mut AsyncPgConnection, from: UserId, to: UserId) -> Result<(), UserError> {
    if blocked_either_way(conn, from, to).await? { Err(super::model::blocked()) } else { Ok(()) }
}
