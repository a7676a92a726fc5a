//! `PgChatStore`: the `ChatStore` port on PostgreSQL (and the denylist, for live sessions).

use super::repo;
use crate::auth::denylist::Denylist;
use crate::db::DbPool;
use std::sync::Arc;
use uuid::Uuid;
use veza_actors::ports::{BoxFut, ChatStore, Membership, NewMessage, PostCheck, StoreError, StoredMessage};
use veza_core::{RoomId, Seq, UserId};

#[derive(Clone)]
pub struct PgChatStore {
    pool: DbPool,
    denylist: Denylist,
}

impl PgChatStore {
    pub fn new(pool: DbPool, denylist: Denylist) -> Arc<Self> {
        Arc::new(PgChatStore { pool, denylist })
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// Runs `f` with a pooled connection, mapping every failure to `StoreError`.
macro_rules! with_conn {
    ($pool:expr, |$conn:ident| $body:expr) => {{
        let pool = $pool.clone();
        Box::pin(async move {
            let mut guard = pool.get().await.map_err(unavailable)?;
            let $conn: &mut diesel_async::AsyncPgConnection = &mut guard;
            $body.await.map_err(unavailable)
        })
    }};
}

impl ChatStore for PgChatStore {
    fn insert_batch(&self, batch: Vec<NewMessage>) -> BoxFut<Result<Vec<Option<StoredMessage>>, StoreError>> {
        with_conn!(self.pool, |conn| super::batch::insert_batch(conn, &batch))
    }

    fn range(
        &self,
        room: RoomId,
        after: Seq,
        up_to: Seq,
        limit: i64,
    ) -> BoxFut<Result<Vec<StoredMessage>, StoreError>> {
        with_conn!(self.pool, |conn| repo::range(conn, room, after, up_to, limit))
    }

    fn last_seq(&self, room: RoomId) -> BoxFut<Result<Seq, StoreError>> {
        with_conn!(self.pool, |conn| repo::last_seq(conn, room))
    }

    fn admit(&self, room: RoomId, user: UserId) -> BoxFut<Result<Membership, StoreError>> {
        with_conn!(self.pool, |conn| repo::admit(conn, room, user))
    }

    fn may_post(&self, room: RoomId, user: UserId) -> BoxFut<Result<PostCheck, StoreError>> {
        with_conn!(self.pool, |conn| repo::may_post(conn, room, user))
    }

    fn mark_read(&self, room: RoomId, user: UserId, up_to: Seq) -> BoxFut<Result<Option<Seq>, StoreError>> {
        with_conn!(self.pool, |conn| repo::mark_read(conn, room, user, up_to))
    }

    fn session_valid(&self, sid: Uuid, user: UserId) -> bool {
        !self.denylist.is_denied(sid, user.uuid())
    }
}
