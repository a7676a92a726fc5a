//! Category queries.

use super::model::Category;
use crate::db::schema::{categories, listings};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use veza_core::CategoryId;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = categories)]
struct Row {
    id: Uuid,
    parent_id: Option<Uuid>,
    slug: String,
    name: String,
    position: i32,
}

impl From<Row> for Category {
    fn from(r: Row) -> Self {
        Category { id: r.id, parent_id: r.parent_id, slug: r.slug, name: r.name, position: r.position }
    }
}

/// What an admin edits, for insert and update alike (`parent_id: None` makes a root).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = categories, treat_none_as_null = true)]
struct Columns<'a> {
    parent_id: Option<Uuid>,
    slug: &'a str,
    name: &'a str,
    position: i32,
}

impl<'a> From<&'a Category> for Columns<'a> {
    fn from(c: &'a Category) -> Self {
        Columns { parent_id: c.parent_id, slug: &c.slug, name: &c.name, position: c.position }
    }
}

pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Category>> {
    let rows: Vec<Row> = categories::table.select(Row::as_select()).load(conn).await?;
    Ok(rows.into_iter().map(Category::from).collect())
}

pub async fn insert(conn: &mut AsyncPgConnection, c: &Category) -> QueryResult<()> {
    diesel::insert_into(categories::table)
        .values((categories::id.eq(c.id), Columns::from(c)))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn update(conn: &mut AsyncPgConnection, c: &Category) -> QueryResult<()> {
    diesel::update(categories::table.find(c.id)).set(Columns::from(c)).execute(conn).await.map(|_| ())
}

pub async fn delete(conn: &mut AsyncPgConnection, id: CategoryId) -> QueryResult<bool> {
    Ok(diesel::delete(categories::table.find(id)).execute(conn).await? == 1)
}

/// Does any listing (whatever its status) sit in `id`?
pub async fn has_listings(conn: &mut AsyncPgConnection, id: CategoryId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(listings::table.filter(listings::category_id.eq(id)))).get_result(conn).await
}

/// Serialises admin edits of the tree (cycle checks read the whole tree first).
pub async fn lock_tree(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('veza:categories'))").execute(conn).await.map(|_| ())
}

pub async fn exists(conn: &mut AsyncPgConnection, id: CategoryId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(categories::table.find(id))).get_result(conn).await
}
