//! The categories service: an actor per HTTP worker delegating to `CategoryCore`. Admin edits
//! are audited in the same transaction, and never make a cycle.

use super::model::*;
use super::repo;
use super::tree::Tree;
use crate::audit::{self, AuditEntry};
use crate::db::{PooledConn, checkout};
use crate::error::unique_violation_as;
use crate::service::{Core, Service};
use crate::state::AppState;
use crate::web::client::ClientInfo;
use actix::prelude::*;
use diesel_async::AsyncConnection;
use serde_json::json;
use uuid::Uuid;
use veza_core::CategoryId;
use veza_core::Code;
use veza_core::UserId;

pub struct CategoryCore {
    pub state: AppState,
}

/// The categories service actor (one per HTTP worker).
pub type CategoryService = Service<CategoryCore>;

impl Core for CategoryCore {
    fn new(state: AppState) -> Self {
        CategoryCore { state }
    }
}

/// Who is editing, for the audit trail.
#[derive(Debug, Clone)]
pub struct Editor {
    pub id: UserId,
    pub client: ClientInfo,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<CategoryNode>, CategoryError>")]
pub struct GetTree;

#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<Category>, CategoryError>")]
pub struct ListFlat;

#[derive(Debug, Message)]
#[rtype(result = "Result<Category, CategoryError>")]
pub struct Create {
    pub by: Editor,
    pub body: NewCategory,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Category, CategoryError>")]
pub struct Patch {
    pub by: Editor,
    pub id: CategoryId,
    pub patch: CategoryPatch,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), CategoryError>")]
pub struct Delete {
    pub by: Editor,
    pub id: CategoryId,
}

crate::delegate_to_core!(CategoryCore {
    GetTree => tree,
    ListFlat => flat,
    Create => create,
    Patch => patch,
    Delete => delete,
});

impl CategoryCore {
    async fn conn(&self) -> Result<PooledConn<'_>, CategoryError> {
        Ok(checkout(&self.state.pool).await?)
    }

    pub async fn tree(&self, _: GetTree) -> Result<Vec<CategoryNode>, CategoryError> {
        let mut conn = self.conn().await?;
        Ok(Tree::new(repo::all(&mut conn).await?).nodes())
    }

    pub async fn flat(&self, _: ListFlat) -> Result<Vec<Category>, CategoryError> {
        let mut conn = self.conn().await?;
        let mut all = repo::all(&mut conn).await?;
        all.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(all)
    }

    pub async fn create(&self, m: Create) -> Result<Category, CategoryError> {
        let name = name(&m.body.name)?;
        let slug = match &m.body.slug {
            Some(s) => slug(s)?,
            None => slug_from_name(&name)?,
        };
        let c = Category { id: Uuid::now_v7(), parent_id: m.body.parent_id, slug, name, position: m.body.position };
        let mut conn = self.conn().await?;
        conn.transaction::<_, CategoryError, _>(async |conn| {
            repo::lock_tree(conn).await?;
            let tree = Tree::new(repo::all(conn).await?);
            if let Some(p) = c.parent_id {
                tree.get(p).ok_or(CategoryError::Invalid { field: "parent_id", message: "no such category".into() })?;
            }
            repo::insert(conn, &c).await.map_err(slug_taken())?;
            let entry = AuditEntry::new("category.created").actor(m.by.id).target("category", c.id).from(&m.by.client);
            audit::record(conn, entry.data(json!({ "slug": c.slug, "parent_id": c.parent_id }))).await?;
            Ok(c)
        })
        .await
    }

    pub async fn patch(&self, m: Patch) -> Result<Category, CategoryError> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, CategoryError, _>(async |conn| {
            repo::lock_tree(conn).await?;
            let tree = Tree::new(repo::all(conn).await?);
            let mut c = tree.get(m.id.uuid()).cloned().ok_or(CategoryError::NotFound)?;
            if let Some(n) = &m.patch.name {
                c.name = name(n)?;
            }
            if let Some(s) = &m.patch.slug {
                c.slug = slug(s)?;
            }
            if let Some(p) = m.patch.position {
                c.position = p;
            }
            if let Some(parent) = m.patch.parent_id {
                if let Some(p) = parent {
                    tree.get(p)
                        .ok_or(CategoryError::Invalid { field: "parent_id", message: "no such category".into() })?;
                    // A category cannot move under itself or one of its descendants.
                    if tree.subtree(c.id).contains(&p) {
                        return Err(CategoryError::Invalid {
                            field: "parent_id",
                            message: "would put the category under itself".into(),
                        });
                    }
                }
                c.parent_id = parent;
            }
            repo::update(conn, &c).await.map_err(slug_taken())?;
            let entry = AuditEntry::new("category.updated").actor(m.by.id).target("category", c.id).from(&m.by.client);
            audit::record(conn, entry.data(json!({ "slug": c.slug, "name": c.name, "parent_id": c.parent_id })))
                .await?;
            Ok(c)
        })
        .await
    }

    pub async fn delete(&self, m: Delete) -> Result<(), CategoryError> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, CategoryError, _>(async |conn| {
            repo::lock_tree(conn).await?;
            let tree = Tree::new(repo::all(conn).await?);
            let c = tree.get(m.id.uuid()).cloned().ok_or(CategoryError::NotFound)?;
            if tree.subtree(c.id).len() > 1 {
                return Err(CategoryError::Conflict(Code::CategoryNotEmpty, "the category has subcategories".into()));
            }
            if repo::has_listings(conn, CategoryId(c.id)).await? {
                return Err(CategoryError::Conflict(Code::CategoryNotEmpty, "listings use this category".into()));
            }
            repo::delete(conn, CategoryId(c.id)).await?;
            let entry = AuditEntry::new("category.deleted").actor(m.by.id).target("category", c.id).from(&m.by.client);
            audit::record(conn, entry.data(json!({ "slug": c.slug }))).await?;
            Ok(())
        })
        .await
    }
}

/// Another category already has the slug (the unique index decides, under concurrency too).
fn slug_taken() -> impl FnOnce(diesel::result::Error) -> CategoryError {
    unique_violation_as(Code::SlugTaken, "another category has this slug")
}
