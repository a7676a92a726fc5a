//! The category tree in memory: small (dozens of rows), read whole, so "a category includes
//! its descendants" and facet roll-ups are plain walks instead of recursive SQL.

use super::model::{Category, CategoryNode};
use std::collections::HashMap;
use uuid::Uuid;

pub struct Tree {
    by_id: HashMap<Uuid, Category>,
    children: HashMap<Option<Uuid>, Vec<Uuid>>,
}

impl Tree {
    pub fn new(rows: Vec<Category>) -> Tree {
        let mut children: HashMap<Option<Uuid>, Vec<Uuid>> = HashMap::new();
        let mut sorted: Vec<&Category> = rows.iter().collect();
        sorted.sort_by(|a, b| (a.position, &a.name).cmp(&(b.position, &b.name)));
        for c in sorted {
            children.entry(c.parent_id).or_default().push(c.id);
        }
        Tree { by_id: rows.into_iter().map(|c| (c.id, c)).collect(), children }
    }

    pub fn get(&self, id: Uuid) -> Option<&Category> {
        self.by_id.get(&id)
    }

    /// By id (a UUID) or by slug.
    pub fn find(&self, key: &str) -> Option<&Category> {
        match Uuid::parse_str(key) {
            Ok(id) => self.get(id),
            Err(_) => {
                let key = key.trim().to_lowercase();
                self.by_id.values().find(|c| c.slug == key)
            }
        }
    }

    /// `id` and every category below it.
    pub fn subtree(&self, id: Uuid) -> Vec<Uuid> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            if let Some(kids) = self.children.get(&Some(out[i])) {
                out.extend(kids);
            }
            i += 1;
        }
        out
    }

    /// `id`'s ancestors, nearest first.
    pub fn ancestors(&self, id: Uuid) -> Vec<Uuid> {
        let mut out = Vec::new();
        let mut at = self.get(id).and_then(|c| c.parent_id);
        // Bounded by the tree size: a cycle (which the admin rules prevent) cannot loop forever.
        while let Some(p) = at {
            if out.len() > self.by_id.len() || out.contains(&p) {
                break;
            }
            out.push(p);
            at = self.get(p).and_then(|c| c.parent_id);
        }
        out
    }

    /// The nested view, roots first, siblings by position then name.
    pub fn nodes(&self) -> Vec<CategoryNode> {
        self.nodes_under(None, 0)
    }

    fn nodes_under(&self, parent: Option<Uuid>, depth: usize) -> Vec<CategoryNode> {
        if depth > self.by_id.len() {
            return Vec::new();
        }
        let ids = self.children.get(&parent).map(Vec::as_slice).unwrap_or_default();
        ids.iter()
            .filter_map(|id| self.get(*id))
            .map(|c| CategoryNode {
                id: c.id,
                slug: c.slug.clone(),
                name: c.name.clone(),
                position: c.position,
                children: self.nodes_under(Some(c.id), depth + 1),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: u128, parent: Option<u128>, slug: &str, position: i32) -> Category {
        Category {
            id: Uuid::from_u128(id),
            parent_id: parent.map(Uuid::from_u128),
            slug: slug.into(),
            name: slug.into(),
            position,
        }
    }

    #[test]
    fn subtrees_ancestors_and_nesting() {
        let t = Tree::new(vec![
            cat(1, None, "instruments", 1),
            cat(2, Some(1), "guitars", 2),
            cat(3, Some(2), "electric", 1),
            cat(4, Some(1), "basses", 1),
            cat(5, None, "services", 2),
        ]);
        let mut sub = t.subtree(Uuid::from_u128(1));
        sub.sort();
        assert_eq!(sub, [1, 2, 3, 4].map(Uuid::from_u128));
        assert_eq!(t.subtree(Uuid::from_u128(3)), [Uuid::from_u128(3)]);
        assert_eq!(t.ancestors(Uuid::from_u128(3)), [2, 1].map(Uuid::from_u128));
        assert_eq!(t.find("GUITARS").map(|c| c.id), Some(Uuid::from_u128(2)));
        let nodes = t.nodes();
        assert_eq!(nodes.iter().map(|n| n.slug.as_str()).collect::<Vec<_>>(), ["instruments", "services"]);
        let kids: Vec<&str> = nodes[0].children.iter().map(|n| n.slug.as_str()).collect();
        assert_eq!(kids, ["basses", "guitars"], "by position");
        assert_eq!(nodes[0].children[1].children[0].slug, "electric");
    }
}
