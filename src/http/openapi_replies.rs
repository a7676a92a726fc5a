//! What an operation can answer besides its own replies, added to the OpenAPI document from
//! the operation's shape, so every route (those added later too) is described truthfully
//! without anyone listing these by hand: what the middleware and the extractors answer.

use super::idempotency::EXCLUDED as NOT_IDEMPOTENT;
use crate::web::error::{PROBLEM_JSON, Problem};
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, ToSchema};

/// The pattern the idempotency middleware enforces (`Idempotency-Key`). "Nothing after" is a
/// lookahead, not `$`: generators that search with Python's `re` let `$` match before a
/// trailing newline, which no header value can hold.
/// Printable ASCII, spaces and tabs (what a header value can carry as text); empty is no key.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[\\t -~]{0,255}(?![\\s\\S])";

pub struct CommonReplies;

impl Modify for CommonReplies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                (false, &mut item.get),
                (false, &mut item.put),
                (true, &mut item.post),
                (false, &mut item.delete),
                (false, &mut item.patch),
            ];
            for (post, op) in ops {
                if let Some(op) = op.as_mut() {
                    describe(path, post, op);
                }
            }
        }
    }
}

fn describe(path: &str, post: bool, op: &mut Operation) {
    let api = path.starts_with("/api/");
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    // The server API: an API key, limited per key, idempotent by `client_id` where it matters.
    let server = path.starts_with(crate::server_api::routes::PREFIX);
    let admin = op.tags.iter().flatten().any(|t| t == "admin");
    let has_body = op.request_body.is_some();
    let has_query =
        op.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
    add(op, "400", "bad_request: a NUL or a malformed escape in the URL, or invalid_json: a body that is not JSON");
    if server {
        add(op, "429", "rate_limited: this API key is over its rate; see Retry-After");
    }
    if api {
        add(op, "429", "rate_limited: too many requests from this address; see Retry-After");
        add(op, "503", "unavailable: the database or another dependency is down, or the node is draining; retry");
    }
    if server {
        add(op, "401", "unauthenticated: no API key, or an unknown or revoked one");
        add(op, "403", "scope_required: the API key lacks this operation's scope");
    }
    if secured {
        add(op, "401", "unauthenticated, token_invalid or token_expired: no usable access token");
    }
    if admin {
        add(op, "403", "forbidden: this operation is for admins");
    }
    if path.contains('{') {
        add(op, "404", "not_found: no such resource, or not one this caller may see");
    }
    if has_body {
        add(op, "413", "payload_too_large: the body is over this route's limit");
        add(op, "415", "unsupported_media_type: the body must be application/json");
    }
    if has_body || has_query {
        add(op, "422", "validation_failed: a value breaks a rule (see `errors`)");
    }
    if post && secured && !server && !NOT_IDEMPOTENT.contains(&path) {
        idempotency(op);
    }
    // OpenAPI requires a description on every reply: a bare success gets its reason phrase.
    for (status, reply) in op.responses.responses.iter_mut() {
        if let RefOr::T(r) = reply
            && r.description.is_empty()
        {
            let reason = status.parse::<u16>().ok().and_then(|s| actix_web::http::StatusCode::from_u16(s).ok());
            r.description = reason.and_then(|s| s.canonical_reason()).unwrap_or("the reply").to_owned();
        }
    }
}

/// Adds a problem reply for `status` unless the operation declares its own; fills a
/// declared one's empty description (OpenAPI requires one).
fn add(op: &mut Operation, status: &str, description: &str) {
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(r)) if r.description.is_empty() => r.description = description.to_owned(),
        Some(_) => {}
        None => {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name(Problem::name()))).build();
            let reply = ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build();
            op.responses.responses.insert(status.to_owned(), RefOr::T(reply));
        }
    }
}

/// An authenticated mutating POST takes `Idempotency-Key` (`http/idempotency.rs`).
fn idempotency(op: &mut Operation) {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(255))
        .pattern(Some(IDEMPOTENCY_KEY_PATTERN))
        .build();
    let param = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some("Replays the first answer (24 h, per user) instead of acting twice; empty is no key."))
        .schema(Some(schema))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(RefOr::T(param));
    add(op, "409", "idempotency_in_progress: the first request with this key is still running");
    add(op, "422", "validation_failed, or idempotency_key_reused: this key came with another request");
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn every_operation_has_its_own_id_and_describes_each_reply() {
        let doc = crate::http::openapi_doc();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (path, item) in &doc.paths.paths {
            for op in crate::http::openapi_walk::operations(item) {
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(!id.is_empty(), "{path}: no operationId");
                if let Some(other) = ids.insert(id.clone(), path.clone()) {
                    panic!("operationId {id} on {path} and {other}");
                }
                for (status, reply) in &op.responses.responses {
                    if let utoipa::openapi::RefOr::T(r) = reply {
                        assert!(!r.description.is_empty(), "{id} {status}: no description");
                    }
                }
            }
        }
    }
}
