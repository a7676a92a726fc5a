//! The activity table: append one line, read a user's lines newest first.

use super::ActivityItem;
use crate::db::schema::activity;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use veza_core::UserId;

pub async fn record(
    conn: &mut AsyncPgConnection,
    user: UserId,
    kind: &str,
    data: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(activity::table)
        .values((activity::user_id.eq(user), activity::kind.eq(kind), activity::data.eq(data)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Newest first; `before` is the id cursor of the previous page's last item.
pub async fn list(
    conn: &mut AsyncPgConnection,
    user: UserId,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ActivityItem>> {
    let mut q = activity::table.filter(activity::user_id.eq(user)).into_boxed();
    if let Some(b) = before {
        q = q.filter(activity::id.lt(b));
    }
    q.order(activity::id.desc()).limit(limit).select(ActivityItem::as_select()).load(conn).await
}

/// Every entry of the user's history.
pub async fn forget(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    diesel::delete(activity::table.filter(activity::user_id.eq(user))).execute(conn).await.map(|_| ())
}
