//! Admin user queries: the list (prefix search on `users_username_prefix` /
//! `users_email_prefix`), and a change of standing under the row lock.

use super::model::{AdminUser, CurrentStanding, NewStanding, UserFilter};
use crate::auth::model::UserStatus;
use crate::db::schema::users;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use veza_core::UserId;

diesel::define_sql_function! {
    /// PostgreSQL's `lower(text)`: the email index is on `lower(email)`.
    fn lower(x: Text) -> Text;
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
struct AdminUserRow {
    id: UserId,
    username: String,
    email: String,
    display_name: Option<String>,
    roles: Vec<String>,
    status: UserStatus,
    suspended_until: Option<DateTime<Utc>>,
    status_changed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl AdminUserRow {
    fn view(self, with_email: bool) -> AdminUser {
        AdminUser {
            id: self.id.uuid(),
            username: self.username,
            email: with_email.then_some(self.email),
            display_name: self.display_name,
            roles: self.roles,
            status: self.status,
            suspended_until: self.suspended_until,
            status_changed_at: self.status_changed_at,
            created_at: self.created_at,
        }
    }
}

/// A page of accounts, newest first. Emails are shown (and searched) only when `f.emails`.
pub async fn list(conn: &mut AsyncPgConnection, f: &UserFilter, limit: i64) -> QueryResult<Vec<AdminUser>> {
    let mut q = users::table.select(AdminUserRow::as_select()).order(users::id.desc()).limit(limit).into_boxed();
    if let Some(prefix) = &f.prefix {
        let pattern = format!("{prefix}%");
        q = if f.emails {
            q.filter(users::username.like(pattern.clone()).or(lower(users::email).like(pattern)))
        } else {
            q.filter(users::username.like(pattern))
        };
    }
    if let Some(role) = f.role {
        q = q.filter(users::roles.contains(vec![role.as_str().to_owned()]));
    }
    if let Some(status) = f.status {
        q = q.filter(users::status.eq(status));
    }
    if let Some(before) = f.before {
        q = q.filter(users::id.lt(before));
    }
    let rows: Vec<AdminUserRow> = q.load(conn).await?;
    Ok(rows.into_iter().map(|r| r.view(f.emails)).collect())
}

/// One account as the list shows it.
pub async fn one(conn: &mut AsyncPgConnection, id: UserId, with_email: bool) -> QueryResult<Option<AdminUser>> {
    let row: Option<AdminUserRow> =
        users::table.find(id).select(AdminUserRow::as_select()).first(conn).await.optional()?;
    Ok(row.map(|r| r.view(with_email)))
}

/// Locks the account's row; its standing now.
pub async fn lock(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<CurrentStanding>> {
    let row = crate::users::repo::lock_standing(conn, id).await?;
    Ok(row.map(|s| CurrentStanding { id, status: s.status, roles: s.roles, suspended_until: s.suspended_until }))
}

/// Writes the new standing; the status's change time moves only when the status does.
pub async fn set(
    conn: &mut AsyncPgConnection,
    id: UserId,
    next: &NewStanding,
    status_changed: bool,
) -> QueryResult<()> {
    let now = Utc::now();
    let target = users::table.find(id);
    let values = (
        users::status.eq(next.status),
        users::suspended_until.eq(next.suspended_until),
        users::roles.eq(&next.roles),
        users::updated_at.eq(now),
    );
    if status_changed {
        diesel::update(target).set((values, users::status_changed_at.eq(now))).execute(conn).await?;
    } else {
        diesel::update(target).set(values).execute(conn).await?;
    }
    Ok(())
}
