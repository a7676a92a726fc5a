//! Outgoing mail through an outbox table: features insert a row in their own transaction;
//! the `Mailer` actor delivers pending rows (SMTP via lettre when `mail.smtp_url` is set,
//! the log otherwise) and marks them sent. Nothing is lost if the node dies before sending.

use crate::db::DbPool;
use crate::db::outbox::{self, Pending};
use actix::prelude::*;
use chrono::Utc;
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// Gives up on a row after this many failed attempts (it stays in the table for inspection).
const MAX_ATTEMPTS: i32 = 10;
const BATCH: i64 = 20;

/// Queues a mail; call inside the transaction of the action that sends it.
pub async fn enqueue(conn: &mut AsyncPgConnection, to: &str, subject: &str, body: &str, kind: &str) -> QueryResult<()> {
    outbox::enqueue(conn, to, subject, body, kind).await
}

pub struct Mailer {
    pool: DbPool,
    from: String,
    interval: Duration,
    smtp: Option<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    busy: bool,
}

impl Mailer {
    pub fn new(pool: DbPool, from: String, smtp_url: Option<&str>, interval: Duration) -> Self {
        let smtp = smtp_url.and_then(|url| match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
            Ok(b) => Some(Arc::new(b.build())),
            Err(e) => {
                tracing::error!(error = %e, "mail.smtp_url rejected; mails will only be logged");
                None
            }
        });
        if smtp.is_none() {
            tracing::info!("no mail.smtp_url: outgoing mail is written to the log");
        }
        Mailer { pool, from, interval, smtp, busy: false }
    }

    async fn deliver_batch(
        pool: DbPool,
        from: String,
        smtp: Option<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    ) -> QueryResult<usize> {
        let Ok(mut conn) = pool.get().await else { return Ok(0) };
        conn.transaction::<usize, diesel::result::Error, _>(async |conn| {
            // SKIP LOCKED: several nodes share the outbox without sending a mail twice.
            let rows = outbox::lock_pending(conn, MAX_ATTEMPTS, BATCH).await?;
            let n = rows.len();
            for row in rows {
                let result = send(&from, &row, smtp.as_deref()).await;
                match result {
                    Ok(()) => outbox::mark_sent(conn, row.id, Utc::now()).await?,
                    Err(e) => {
                        tracing::warn!(id = row.id, error = %e, "mail not sent; will retry");
                        outbox::mark_failed(conn, row.id, &e).await?;
                    }
                }
            }
            Ok(n)
        })
        .await
    }
}

async fn send(from: &str, row: &Pending, smtp: Option<&AsyncSmtpTransport<Tokio1Executor>>) -> Result<(), String> {
    let Some(smtp) = smtp else {
        tracing::info!(to = %row.to_addr, subject = %row.subject, body = %row.body, "mail (not sent: no SMTP configured)");
        return Ok(());
    };
    let mail = Mail::builder()
        .from(from.parse().map_err(|e| format!("from: {e}"))?)
        .to(row.to_addr.parse().map_err(|e| format!("to: {e}"))?)
        .subject(row.subject.clone())
        .body(row.body.clone())
        .map_err(|e| e.to_string())?;
    smtp.send(mail).await.map(|_| ()).map_err(|e| e.to_string())
}

impl Actor for Mailer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |this, ctx| {
            if this.busy {
                return;
            }
            this.busy = true;
            let fut = Self::deliver_batch(this.pool.clone(), this.from.clone(), this.smtp.clone());
            ctx.spawn(fut.into_actor(this).map(|res, this, _| {
                this.busy = false;
                if let Err(e) = res {
                    tracing::warn!(error = %e, "mail outbox unavailable");
                }
            }));
        });
    }
}

impl Supervised for Mailer {
    fn restarting(&mut self, _: &mut Self::Context) {
        self.busy = false;
    }
}
