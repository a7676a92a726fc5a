//! Every route the app registers is in the OpenAPI document, and every documented operation is
//! routed: actix-web cannot list its routes, so `web::resource` records each path and method as
//! it is registered (`web::resource::registered`), and this compares the two.

use crate::support::TestApp;
use std::collections::BTreeSet;

/// Routed on purpose without being part of the API document: the document's own viewer.
const NOT_API: &[(&str, &str)] = &[("/docs", "GET")];

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let _app = TestApp::spawn().await; // builds the app, which records its routes
    let routed: BTreeSet<(String, String)> = veza::web::resource::registered()
        .into_iter()
        .filter(|(p, m)| !NOT_API.contains(&(p.as_str(), m.as_str())))
        .collect();
    let doc = veza::http::openapi_doc();
    let mut documented = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
            ("HEAD", &item.head),
        ];
        for (method, op) in ops {
            if op.is_some() {
                documented.insert((path.clone(), method.to_owned()));
            }
        }
    }
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "routed but not in the OpenAPI document: {undocumented:?}");
    assert!(unrouted.is_empty(), "documented but not routed: {unrouted:?}");
    assert!(routed.len() >= 60, "the registry saw the app: {} routes", routed.len());
}
