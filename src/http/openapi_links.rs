//! OpenAPI links, so a stateful run (schemathesis') can create a resource, then read, change
//! and delete it: drawn from the paths themselves, so routes added later are linked too. A
//! `POST` on `P` that creates (201) links to every operation on `P/{x}…`, `{x}` taken from the
//! created body's `id` and `P`'s own parameters from the request (a 201 without a body links
//! nowhere); a few creations whose
//! resource lives under another prefix are named in `ELSEWHERE`.

use super::openapi_walk::operations;
use utoipa::Modify;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::{OpenApi, RefOr};

/// (creating POST path, path prefix of the created resource's operations).
const ELSEWHERE: &[(&str, &str)] =
    &[("/api/v1/listings/{id}/offers", "/api/v1/offers"), ("/api/v1/dm/{user_id}", "/api/v1/rooms")];

pub struct CreatedLinks;

impl Modify for CreatedLinks {
    fn modify(&self, openapi: &mut OpenApi) {
        // (path, operationId) of every operation, to link to.
        let mut targets: Vec<(String, String)> = Vec::new();
        for (path, item) in &openapi.paths.paths {
            for op in operations(item) {
                if let Some(id) = &op.operation_id {
                    targets.push((path.clone(), id.clone()));
                }
            }
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(op) = item.post.as_mut() else { continue };
            let Some(RefOr::T(created)) = op.responses.responses.get_mut("201") else { continue };
            if created.content.is_empty() {
                continue; // nothing created to point at (an added member answers 201 alone)
            }
            let prefix = ELSEWHERE.iter().find(|(p, _)| p == path).map_or(path.as_str(), |(_, to)| to);
            for (target, id) in &targets {
                let Some(rest) = target.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) else { continue };
                let Some(param) = rest.strip_prefix('{').and_then(|r| r.split_once('}')).map(|(p, _)| p) else {
                    continue;
                };
                let mut link = LinkBuilder::new().operation_id(id).parameter(param, "$response.body#/id");
                // The creating path's own parameters carry over under the same names.
                for own in params(prefix).filter(|p| *p != param && params(path).any(|q| q == *p)) {
                    link = link.parameter(own, format!("$request.path.{own}"));
                }
                created.links.insert(id.clone(), RefOr::T(link.build()));
            }
        }
    }
}

/// The `{name}`s of a path.
fn params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::RefOr;

    #[test]
    fn a_creation_links_to_what_can_be_done_with_what_it_created() {
        let doc = crate::http::openapi_doc();
        let links = |path: &str| -> Vec<String> {
            let Some(RefOr::T(r)) = doc
                .paths
                .paths
                .get(path)
                .and_then(|i| i.post.as_ref())
                .and_then(|op| op.responses.responses.get("201"))
            else {
                return Vec::new();
            };
            r.links.keys().cloned().collect()
        };
        let listing = links("/api/v1/listings");
        for op in ["get", "update_listing", "delete_listing", "publish", "make_offer"] {
            assert!(listing.iter().any(|l| l == op), "POST /listings -> {op}: {listing:?}");
        }
        assert!(links("/api/v1/listings/{id}/offers").iter().any(|l| l == "accept"), "offers live under /offers");
        assert!(links("/api/v1/rooms/{id}/members").is_empty(), "no body, no link");
    }
}
