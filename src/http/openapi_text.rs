//! The text rules the server enforces, in the document. Every string a client sends is free
//! of NUL (PostgreSQL `text` cannot hold U+0000, and the NUL guard refuses it in URLs and JSON
//! alike), so every string schema without
//! a format, pattern or enum of its own says so: routes added later are covered too. The
//! fields with a rule of their own get it from the same constant the server checks them with
//! (`TEXT_BOUNDS`).

use super::openapi_walk::operations_mut;
use crate::accounts::model::DeleteMe;
use crate::auth::model::{PASSWORD_MAX, PASSWORD_MIN};
use crate::auth::routes::RegisterBody;
use crate::categories::model as categories;
use crate::chat::model::{self as chat, CreateRoom, PostBody};
use crate::listings::model::{self as listings, ListingPatch, NewListing};
use crate::money::{self, Money};
use crate::offers::model::{self as offers, CounterBody, NewOffer};
use crate::playlists::model::{self as playlists, NewPlaylist, PlaylistPatch};
use crate::server_api::model as server;
use crate::tracks::model::{self as tracks, TrackPatch};
use crate::tracks::routes::UploadForm;
use crate::tracks::tus::model::{self as tus, NewUpload};
use crate::users::model::{self as users, ProfilePatch};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Object, Schema, SchemaType, Type};
use utoipa::openapi::{Content, RefOr};
use utoipa::{Modify, ToSchema};
use veza_core::text::{self, TextRule};

/// Any text but U+0000.
pub const NUL_FREE: &str = "^[^\\u0000]*$";

/// How the server reads one field.
#[derive(Debug, Clone)]
pub enum Bound {
    /// Trimmed, then the rule: its pattern, and its length bounds on the text as sent.
    Trimmed(TextRule),
    /// Taken exactly as sent.
    Exact(TextRule),
    /// Taken exactly as sent, and not only white space.
    NotBlank(TextRule),
    /// An array of at most `n` items, each read as `Trimmed`.
    Items(TextRule, usize),
    /// A pattern of its own, with length bounds.
    Pattern(String, usize, usize),
    /// An email address (the server's parser decides), at most 254 characters.
    Email,
    /// One of a fixed set of codes (space-separated).
    Codes(&'static str),
    /// An integer in `min..=max`.
    Range(i64, i64),
    /// A `Money` whose amount starts at `min`: the shared schema, inlined with that minimum.
    MoneyFrom(i64),
}

/// (schema, property, bound) for every request field with a rule beyond "text".
pub fn text_bounds() -> Vec<(String, &'static str, Bound)> {
    use Bound::*;
    // What the server trims around a value it then matches exactly.
    let trimmed = |core: &str| format!("^[{ws}]*{core}[{ws}]*$", ws = text::WHITE_SPACE);
    vec![
        (CreateRoom::name().into(), "name", Trimmed(chat::ROOM_NAME)),
        (CreateRoom::name().into(), "topic", Trimmed(chat::ROOM_TOPIC)),
        (PostBody::name().into(), "body", NotBlank(text::SEND_BODY)),
        (chat::MuteBody::name().into(), "minutes", Range(0, i64::from(chat::MUTE_MAX_MINUTES))),
        (PostBody::name().into(), "client_id", Exact(text::CLIENT_ID)),
        (ProfilePatch::name().into(), "display_name", Trimmed(users::DISPLAY_NAME)),
        (ProfilePatch::name().into(), "bio", Trimmed(users::BIO)),
        (
            ProfilePatch::name().into(),
            "avatar_url",
            Pattern(trimmed(&format!("(?:{})?", users::AVATAR_URL_PATTERN)), 0, users::AVATAR_URL.max),
        ),
        (ProfilePatch::name().into(), "location", Trimmed(users::LOCATION)),
        (NewListing::name().into(), "title", Trimmed(listings::TITLE)),
        (NewListing::name().into(), "description", Trimmed(listings::DESCRIPTION)),
        (NewListing::name().into(), "tags", Items(listings::TAG, listings::TAGS_MAX)),
        (ListingPatch::name().into(), "title", Trimmed(listings::TITLE)),
        (ListingPatch::name().into(), "description", Trimmed(listings::DESCRIPTION)),
        (ListingPatch::name().into(), "tags", Items(listings::TAG, listings::TAGS_MAX)),
        (NewOffer::name().into(), "message", Trimmed(offers::MESSAGE)),
        (NewPlaylist::name().into(), "name", Trimmed(playlists::NAME)),
        (PlaylistPatch::name().into(), "name", Trimmed(playlists::NAME)),
        (TrackPatch::name().into(), "title", Trimmed(tracks::TITLE)),
        (TrackPatch::name().into(), "tags", Items(tracks::TAG, tracks::TAGS_MAX)),
        (UploadForm::name().into(), "title", Trimmed(tracks::TITLE)),
        (NewUpload::name().into(), "filename", Trimmed(tus::FILENAME)),
        (tracks::UploadMeta::name().into(), "title", Trimmed(tracks::TITLE)),
        (tracks::UploadMeta::name().into(), "tags", Items(tracks::TAG, tracks::TAGS_MAX)),
        (UploadForm::name().into(), "tags", Items(tracks::TAG, tracks::TAGS_MAX)),
        (categories::NewCategory::name().into(), "name", Trimmed(categories::NAME)),
        (categories::CategoryPatch::name().into(), "name", Trimmed(categories::NAME)),
        (categories::NewCategory::name().into(), "slug", Pattern(trimmed("[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"), 1, 64)),
        (categories::CategoryPatch::name().into(), "slug", Pattern(trimmed("[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"), 1, 64)),
        (RegisterBody::name().into(), "email", Email),
        (RegisterBody::name().into(), "username", Pattern(trimmed("[A-Za-z0-9_]{3,32}"), 3, 64)),
        // Any characters (NUL aside): a password is never shown, only hashed.
        (RegisterBody::name().into(), "password", Pattern(NUL_FREE.to_owned(), PASSWORD_MIN, PASSWORD_MAX)),
        (DeleteMe::name().into(), "password", Pattern(NUL_FREE.to_owned(), 1, PASSWORD_MAX)),
        (Money::name().into(), "currency", Codes(money::ISO_4217)),
        (Money::name().into(), "amount", Range(0, money::MAX_AMOUNT)),
        // After Money's own bounds: these copy it.
        (NewOffer::name().into(), "amount", MoneyFrom(offers::PROPOSAL_MIN)),
        (CounterBody::name().into(), "amount", MoneyFrom(offers::PROPOSAL_MIN)),
        (server::PublishBody::name().into(), "body", NotBlank(text::SEND_BODY)),
        (server::PublishBody::name().into(), "client_id", Exact(text::CLIENT_ID)),
        (server::BroadcastBody::name().into(), "body", NotBlank(text::SEND_BODY)),
        (server::BroadcastBody::name().into(), "client_id", Exact(text::CLIENT_ID)),
        (server::DisconnectBody::name().into(), "code", Range(4000, 4499)),
    ]
}

/// Applies `TEXT_BOUNDS`; a named field the document lacks is a stale table (a unit test
/// checks none is).
pub struct TextBounds;

impl Modify for TextBounds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else { return };
        for (schema, field, bound) in text_bounds() {
            if let Bound::MoneyFrom(min) = bound {
                money_from(&mut components.schemas, &schema, field, min);
            } else if let Some(prop) = property(&mut components.schemas, &schema, field) {
                apply(prop, bound);
            }
        }
    }
}

fn property<'a>(
    schemas: &'a mut std::collections::BTreeMap<String, RefOr<Schema>>,
    schema: &str,
    field: &str,
) -> Option<&'a mut Schema> {
    match schemas.get_mut(schema)? {
        RefOr::T(Schema::Object(o)) => match o.properties.get_mut(field)? {
            RefOr::T(s) => Some(s),
            RefOr::Ref(_) => None,
        },
        _ => None,
    }
}

/// Replaces the `Money` reference at `schema.field` with a copy of `Money` whose amount
/// starts at `min`.
fn money_from(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>, schema: &str, field: &str, min: i64) {
    let Some(RefOr::T(Schema::Object(mut money))) = schemas.get(Money::name().as_ref()).cloned() else { return };
    if let Some(RefOr::T(Schema::Object(amount))) = money.properties.get_mut("amount") {
        amount.minimum = Some(min.into());
    }
    if let Some(RefOr::T(Schema::Object(o))) = schemas.get_mut(schema)
        && let Some(prop) = o.properties.get_mut(field)
    {
        *prop = RefOr::T(Schema::Object(money));
    }
}

fn apply(prop: &mut Schema, bound: Bound) {
    match (prop, bound) {
        (Schema::Array(a), Bound::Items(rule, n)) => {
            a.max_items = Some(n);
            if let ArrayItems::RefOrSchema(items) = &mut a.items
                && let RefOr::T(Schema::Object(o)) = items.as_mut()
            {
                text_rule(o, rule, false);
            }
        }
        (Schema::Object(o), Bound::Trimmed(rule)) => text_rule(o, rule, false),
        (Schema::Object(o), Bound::Exact(rule)) => text_rule(o, rule, true),
        (Schema::Object(o), Bound::NotBlank(rule)) => {
            o.pattern = Some(rule.not_blank_pattern());
            o.min_length = Some(rule.min.max(1));
            o.max_length = Some(rule.max);
        }
        (Schema::Object(o), Bound::Pattern(p, min, max)) => {
            o.pattern = Some(p);
            o.min_length = Some(min);
            o.max_length = Some(max);
        }
        (Schema::Object(o), Bound::Email) => {
            o.format = Some(utoipa::openapi::SchemaFormat::Custom("email".into()));
            o.max_length = Some(254);
        }
        (Schema::Object(o), Bound::Codes(codes)) => {
            o.enum_values = Some(codes.split_whitespace().map(serde_json::Value::from).collect());
        }
        (Schema::Object(o), Bound::Range(min, max)) => {
            o.minimum = Some(min.into());
            o.maximum = Some(max.into());
        }
        _ => {}
    }
}

fn text_rule(o: &mut Object, rule: TextRule, exact: bool) {
    o.pattern = Some(if exact { rule.exact_pattern() } else { rule.pattern() });
    // Trimmed: the pattern holds the minimum, which counts the text without its padding.
    o.min_length = exact.then_some(rule.min);
    o.max_length = Some(rule.max);
}

pub struct NulFreeStrings;

impl Modify for NulFreeStrings {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.schemas.values_mut().for_each(walk);
        }
        for item in openapi.paths.paths.values_mut() {
            for op in operations_mut(item) {
                for p in op.parameters.iter_mut().flatten() {
                    if let RefOr::T(p) = p {
                        p.schema.iter_mut().for_each(walk);
                    }
                }
                if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                    body.content.values_mut().for_each(walk_content);
                }
            }
        }
    }
}

fn walk_content(c: &mut RefOr<Content>) {
    if let RefOr::T(c) = c {
        c.schema.iter_mut().for_each(walk);
    }
}

fn is_string(t: &SchemaType) -> bool {
    match t {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(ts) => ts.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}

fn walk(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(o) => {
            if is_string(&o.schema_type) && o.pattern.is_none() && o.format.is_none() && o.enum_values.is_none() {
                o.pattern = Some(NUL_FREE.to_owned());
            }
            o.properties.values_mut().for_each(walk);
            if let Some(extra) = o.additional_properties.as_deref_mut()
                && let AdditionalProperties::RefOr(s) = extra
            {
                walk(s);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                walk(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(walk),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(walk),
        Schema::AllOf(x) => x.items.iter_mut().for_each(walk),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bound_names_a_field_the_document_has_and_is_applied() {
        let mut doc = crate::http::openapi_doc();
        let Some(components) = doc.components.as_mut() else { panic!("no components") };
        for (schema, field, _) in text_bounds() {
            let prop = property(&mut components.schemas, &schema, field);
            let applied = match prop {
                Some(Schema::Object(o)) => {
                    o.pattern.is_some()
                        || o.enum_values.is_some()
                        || o.maximum.is_some()
                        || o.format.is_some()
                        || matches!(o.properties.get("amount"), Some(RefOr::T(Schema::Object(a))) if a.minimum.is_some())
                }
                Some(Schema::Array(a)) => a.max_items.is_some(),
                _ => false,
            };
            assert!(applied, "{schema}.{field}: missing from the document, or of another shape");
        }
    }
}
