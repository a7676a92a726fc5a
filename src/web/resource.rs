//! A resource whose other methods answer 405 with `Allow`, and the record of every route the
//! app registers: actix-web cannot list its routes, so each path and its methods are written
//! down here as they are registered, for the tests that must see every route (the
//! authorization matrix, the OpenAPI coverage check).

use super::error::ApiError;
use actix_web::{HttpResponse, guard, web};
use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

/// (path, method) of every route registered so far in this process.
static ROUTES: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

fn record(path: &str, methods: &str) {
    let mut routes = ROUTES.lock().unwrap_or_else(PoisonError::into_inner);
    for m in methods.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        routes.insert((path.to_owned(), m.to_owned()));
    }
}

/// Every (path, method) the app has registered (once an app has been built).
pub fn registered() -> Vec<(String, String)> {
    ROUTES.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
}

/// A resource whose other methods answer 405 with `Allow: <allow>`; its methods are recorded.
pub fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    record(path, allow);
    web::resource(path)
        .default_service(web::to(move || async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }))
}

/// A resource that takes only `method` on a path another resource answers otherwise (a resource
/// guard lets the router go on to the next one); recorded like `resource`.
pub fn resource_for(path: &str, method: &'static str) -> actix_web::Resource {
    record(path, method);
    let only = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap_or(actix_web::http::Method::GET);
    web::resource(path).guard(guard::Method(only))
}
