//! The mail_outbox table: rows queued in the sender's transaction, taken by the mailer with
//! `SKIP LOCKED` (several nodes share it without sending a mail twice), marked sent or failed.

use crate::db::schema::mail_outbox;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A mail waiting to go.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct Pending {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
}

pub async fn enqueue(conn: &mut AsyncPgConnection, to: &str, subject: &str, body: &str, kind: &str) -> QueryResult<()> {
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::to_addr.eq(to),
            mail_outbox::subject.eq(subject),
            mail_outbox::body.eq(body),
            mail_outbox::kind.eq(kind),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Up to `batch` unsent rows tried fewer than `max_attempts` times, oldest first, locked for
/// this transaction (rows another node holds are skipped).
pub async fn lock_pending(conn: &mut AsyncPgConnection, max_attempts: i32, batch: i64) -> QueryResult<Vec<Pending>> {
    mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(mail_outbox::attempts.lt(max_attempts))
        .order(mail_outbox::id)
        .limit(batch)
        .for_update()
        .skip_locked()
        .select(Pending::as_select())
        .load(conn)
        .await
}

pub async fn mark_sent(conn: &mut AsyncPgConnection, id: i64, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((mail_outbox::sent_at.eq(at), mail_outbox::attempts.eq(mail_outbox::attempts + 1)))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn mark_failed(conn: &mut AsyncPgConnection, id: i64, error: &str) -> QueryResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((mail_outbox::attempts.eq(mail_outbox::attempts + 1), mail_outbox::last_error.eq(error)))
        .execute(conn)
        .await
        .map(|_| ())
}
