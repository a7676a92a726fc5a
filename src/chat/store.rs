//! `PgChatStore`: the `ChatStore` port on PostgreSQL (and the denylist, for live sessions).

use super::repo;
use crate::auth::denylist::Denylist;
use crate::db::DbPool;
use crate::infra::reads::Reads;
use std::sync::Arc;
use uuid::Uuid;
use veza_actors::ports::{BoxFut, ChatStore, Membership, NewMessage, PostCheck, StoreError, StoredMessage};
use veza_core::text::storable;
use veza_core::{RoomId, Seq, UserId};

#[derive(Clone)]
pub struct PgChatStore {
    pool: DbPool,
    denylist: Denylist,
    /// Told who wrote once a batch commits (before the acks): their reads of history pages
    /// then wait for the replica to have their messages.
    reads: Reads,
}

impl PgChatStore {
    pub fn new(pool: DbPool, denylist: Denylist, reads: Reads) -> Arc<Self> {
        Arc::new(PgChatStore { pool, denylist, reads })
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// What a failed batch means for the writer: `Data` (split it, the fault is in a message) only
/// for the SQLSTATE class-23 violations diesel-async names by kind. It folds every other
/// SQLSTATE, class 22 included, into `Unknown`, which stays `Unavailable` with the connection,
/// serialization and shutdown errors: the safe side (a retry), never a false
/// `message_unstorable`. The class-22 refusal these typed binds can meet, U+0000 in `text`, is
/// found before anything is sent (`text::storable`).
fn classify(e: diesel::result::Error) -> StoreError {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    match &e {
        Error::DatabaseError(
            Kind::UniqueViolation
            | Kind::ForeignKeyViolation
            | Kind::NotNullViolation
            | Kind::CheckViolation
            | Kind::RestrictViolation
            | Kind::ExclusionViolation,
            _,
        ) => StoreError::Data(e.to_string()),
        _ => unavailable(e),
    }
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
    fn insert_batch(&self, batch: Arc<Vec<NewMessage>>) -> BoxFut<Result<Vec<Option<StoredMessage>>, StoreError>> {
        if batch.iter().any(|m| !storable(&m.body) || !storable(&m.client_id)) {
            let refused = StoreError::Data("U+0000 in a text value (SQLSTATE 22021)".into());
            return Box::pin(async move { Err(refused) });
        }
        let (pool, reads) = (self.pool.clone(), self.reads.clone());
        Box::pin(async move {
            let mut conn = pool.get().await.map_err(unavailable)?;
            let stored = super::batch::insert_batch(&mut conn, &batch).await.map_err(classify)?;
            if reads.keeps_positions() {
                let mut authors: Vec<UserId> = batch.iter().map(|m| m.author.id).collect();
                authors.sort_unstable();
                authors.dedup();
                // On the connection that committed: one query and one Redis call per batch.
                reads.wrote_on(&mut conn, &authors).await;
            }
            Ok(stored)
        })
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
