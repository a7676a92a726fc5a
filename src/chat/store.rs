//! `PgChatStore`: the `ChatStore` port on PostgreSQL (and the denylist, for live sessions).

use super::repo;
use crate::auth::denylist::Denylist;
use crate::db::DbPool;
use std::sync::Arc;
use uuid::Uuid;
use veza_actors::ports::{BoxFut, ChatStore, Membership, NewMessage, PostCheck, StoreError, StoredMessage};

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

    fn range(&self, room: Uuid, after: i64, up_to: i64, limit: i64) -> BoxFut<Result<Vec<StoredMessage>, StoreError>> {
        with_conn!(self.pool, |conn| repo::range(conn, room, after, up_to, limit))
    }

    fn last_seq(&self, room: Uuid) -> BoxFut<Result<i64, StoreError>> {
        with_conn!(self.pool, |conn| repo::last_seq(conn, room))
    }

    fn admit(&self, room: Uuid, user: Uuid) -> BoxFut<Result<Membership, StoreError>> {
        with_conn!(self.pool, |conn| repo::admit(conn, room, user))
    }

    fn may_post(&self, room: Uuid, user: Uuid) -> BoxFut<Result<PostCheck, StoreError>> {
        with_conn!(self.pool, |conn| repo::may_post(conn, room, user))
    }

    fn mark_read(&self, room: Uuid, user: Uuid, up_to: i64) -> BoxFut<Result<(), StoreError>> {
        with_conn!(self.pool, |conn| repo::mark_read(conn, room, user, up_to))
    }

    fn session_valid(&self, sid: Uuid, user: Uuid) -> bool {
        !self.denylist.is_denied(sid, user)
    }
}
