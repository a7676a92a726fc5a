//! The OpenAPI document, generated from the handlers' annotations, served at
//! `/api/v1/openapi.json` and rendered by Swagger UI (bundled in the binary) at `/docs`.

use super::openapi_links::CreatedLinks;
use super::openapi_replies::CommonReplies;
use super::openapi_text::{NulFreeStrings, TextBounds};
use super::openapi_walk::operations_mut;
use super::{csp_report, ops};
use crate::accounts::{model as accounts_model, routes as accounts};
use crate::activity::ActivityItem;
use crate::admin::config::{model as admin_config_model, routes as admin_config};
use crate::admin::routes as admin;
use crate::admin::stats::routes as admin_stats;
use crate::admin::users::{model as admin_users_model, routes as admin_users};
use crate::audit::model as audit_model;
use crate::auth::{keys, model as auth_model, routes as auth, service as auth_service};
use crate::categories::{model as categories_model, routes as categories};
use crate::chat::{model as chat_model, routes as chat, ws as chat_ws};
use crate::infra::health::DepState;
use crate::listings::{
    facets, model as listings_model, routes as listings, search as listings_search, service as listings_service,
};
use crate::money::Money;
use crate::offers::{model as offers_model, routes as offers};
use crate::playlists::{model as playlists_model, routes as playlists};
use crate::reports::{model as reports_model, routes as reports};
use crate::search::{model as search_model, routes as search};
use crate::server_api::{model as server_model, routes as server};
use crate::stats::model as stats_model;
use crate::tracks::tus::{model as tus_model, routes as tus};
use crate::tracks::{library_routes as library, model as tracks_model, routes as tracks, search as tracks_search};
use crate::users::{model as users_model, routes as users};
use crate::web::error::{self, PROBLEM_JSON};
use utoipa::openapi::content::Content;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Response};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Veza API", description = "Realtime backend for a music community with a marketplace. Errors are application/problem+json with a stable `code`. Authenticated mutating POSTs honour `Idempotency-Key`."),
    paths(
        ops::health, ops::ready, ops::metrics, csp_report::report,
        auth::register, auth::login, auth::refresh, auth::logout, auth::logout_all, auth::magic_link,
        auth::magic_link_verify, auth::providers, auth::oauth_authorize, auth::oauth_callback, auth::oauth_exchange, auth::me,
        auth::sessions, auth::revoke_session, auth::jwks,
        users::profile, users::own_profile, users::update_profile, users::get_preferences, users::put_preferences,
        users::friends, users::friend_request, users::accept_friend, users::remove_friend, users::block,
        users::unblock, users::blocks, users::activity, accounts::delete_me, accounts::delete_user,
        chat::create_room, chat::list_rooms, chat::get_room, chat::join_room, chat::leave_room, chat::add_member,
        chat::kick, chat::mute, chat::direct, chat::history, chat::post_message, chat::delete_message, chat_ws::upgrade,
        categories::tree, categories::admin_list, categories::create, categories::update, categories::delete,
        listings::search, listings::create, listings::get, listings::update, listings::delete, listings::publish,
        listings::archive, listings::reactivate,
        offers::make_offer, offers::list_offers, offers::get_offer, offers::counter, offers::accept, offers::decline,
        offers::withdraw, offers::confirm, offers::cancel,
        tracks::upload, tracks::list, tracks::get, tracks::update, tracks::delete, tracks::stream_audio, tracks::stream_head,
        tracks::waveform, tracks::cover, library::favorite, library::unfavorite, library::stream_url,
        library::favorites, library::history,
        playlists::mine, playlists::create, playlists::get, playlists::update, playlists::delete, playlists::add_track,
        playlists::remove_track, playlists::reorder, tus::create, tus::offset, tus::append, tus::terminate,
        tus::finish, search::search, search::suggest, search::popular, search::zero_results,
        admin::audit, admin::export, admin_users::list, admin_users::change,
        admin_config::get, admin_config::put, admin_config::history, admin_config::rollback, admin_stats::stats,
        reports::report, reports::queue, reports::claim, reports::resolve,
        server::publish, server::broadcast, server::push, server::subscribe, server::unsubscribe,
        server::disconnect, server::rooms, server::room_info, server::presence, server::presence_stats,
        server::history, server::nodes,
    ),
    components(schemas(
        error::Problem, ops::HealthReply, ops::ReadyReply, ops::Checks, DepState, csp_report::CspReportBody,
        csp_report::CspReport, auth_model::Me, auth_model::TokenPair, auth_model::OAuthProviders, auth_model::OAuthProviderInfo, auth_model::Role, auth_service::SessionView,
        auth::SessionList, auth::RegisterBody, auth::LoginBody, auth::RefreshBody, auth::EmailBody, auth::TokenBody,
        auth::LoginCodeBody, keys::Jwks, keys::Jwk, users_model::UserRef, users_model::PublicProfile,
        users_model::OwnProfile, users_model::ProfilePatch, users_model::FriendEntry, users_model::FriendsView,
        users_model::BlockEntry, users::FriendRequestReply, ActivityItem, accounts_model::DeleteMe,
        chat_model::CreateRoom, chat_model::Visibility, chat_model::RoomView, chat_model::MemberBody,
        chat_model::MuteBody, chat_model::PostBody, chat_model::MessageView,
        Money, categories_model::Category, categories_model::CategoryNode, categories_model::NewCategory,
        categories_model::CategoryPatch, listings_model::ListingStatus, listings_model::Condition,
        listings_model::NewListing, listings_model::ListingPatch, listings_model::ListingView, listings_search::Sort,
        listings_service::ListingPage, facets::Facets, facets::CategoryCount, facets::TagCount, facets::ConditionCount,
        facets::PriceBucket, offers_model::OfferStatus, offers_model::Party, offers_model::NewOffer,
        offers_model::CounterBody, offers_model::OfferListing, offers_model::OfferEventView, offers_model::OfferView,
        offers::OfferRole,
        tracks_model::TrackView, tracks_model::TrackPatch, tracks_model::WaveformView, tracks_search::TrackPage,
        tracks_search::TrackSort, tracks::UploadForm, tracks::BinaryBody, tracks_model::HistoryEntry,
        tracks_model::HistoryPage, tracks_model::StreamUrl, playlists_model::NewPlaylist,
        playlists_model::PlaylistPatch, playlists_model::AddTrack, playlists_model::NewOrder,
        playlists_model::PlaylistEntry, playlists_model::PlaylistView, playlists_model::PlaylistSummary, playlists_model::PlaylistSummaryPage, tus_model::NewUpload, tus_model::UploadView,
        tracks_model::UploadMeta, search_model::ListingHit, search_model::TrackHit, search_model::UserHit,
        search_model::RoomHit, search_model::SearchResults, search_model::SearchCounts, search_model::SearchSource,
        search_model::SearchPage, search_model::SuggestionKind, search_model::Suggestion, search_model::Suggestions,
        search_model::Window, search_model::PopularQuery, search_model::PopularQueries, search_model::ZeroResultQuery,
        search_model::ZeroResultQueries, audit_model::AuditRecord, admin_users_model::AdminUser,
        admin_users_model::StandingPatch, admin_users_model::Standing, auth_model::UserStatus,
        reports_model::TargetType, reports_model::Reason, reports_model::NewReport, reports_model::ReportFiled,
        reports_model::ReportEntry, reports_model::CaseView, reports_model::QueueSort, reports_model::CaseStatus,
        reports_model::Action, reports_model::Resolve, admin_config_model::ConfigView, admin_config_model::SettingView,
        admin_config_model::ConfigPatch, admin_config_model::ConfigChange, admin_config_model::ConfigVersion,
        stats_model::AdminStats, stats_model::Counts, stats_model::ActiveUsers, stats_model::HourCount,
        stats_model::OfferConversion, stats_model::Plays, stats_model::Searches, stats_model::NodeStatus,
        stats_model::NodeState,
        server_model::Scope, server_model::PublishBody, server_model::BroadcastBody, server_model::Published,
        server_model::BroadcastItem, server_model::PartError, server_model::BroadcastResults, server_model::PushBody,
        server_model::MembershipBody, server_model::Changed, server_model::DisconnectBody, server_model::RoomHistory,
        server_model::ServerRoom, server_model::RoomPage, server_model::OnlineUsers, server_model::PresenceStats,
        server_model::Nodes,
    )),
    modifiers(&BearerAuth, &ProblemReplies, &CommonReplies, &TextBounds, &NulFreeStrings, &CreatedLinks),
    tags(
        (name = "ops", description = "Liveness, readiness, metrics"),
        (name = "security", description = "Browser security reports"),
        (name = "auth", description = "Accounts, tokens, sessions, magic links, OAuth2"),
        (name = "users", description = "Profiles, preferences, friends, blocks, activity"),
        (name = "chat", description = "Rooms, direct messages, history; live frames over /ws"),
        (name = "listings", description = "Categories, listings with a lifecycle, search and facets"),
        (name = "offers", description = "Offers negotiated through a state machine; live as offer.created / offer.updated"),
        (name = "tracks", description = "Audio uploads, metadata, waveform and Range streaming"),
        (name = "playlists", description = "Ordered playlists, edited against their version (If-Match); live as playlist.updated"),
        (name = "search", description = "One ranked, typo-tolerant search over listings, tracks, users and rooms; suggestions; popular queries"),
        (name = "admin", description = "Admin and moderation: accounts and their standing, the audit trail, the category tree"),
        (name = "server", description = "The server API for other services, authenticated by an API key (`Authorization: ApiKey <key>`) and limited per key; the same operations over gRPC (veza.server.v1.ServerApi, proto/veza/server/v1/server.proto), where WatchRoom streams a room"),
    )
)]
pub struct ApiDoc;

/// Declares the schemes the authenticated operations refer to: `bearer` (users), `api_key` (services).
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        // `Authorization: ApiKey <key>`: the whole header value, scheme included.
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`ApiKey <key>`, a key made with `veza admin api-key create`",
            ))),
        );
    }
}

/// Every reply whose body is a `Problem` is `application/problem+json`: handlers declare
/// `body = Problem` and the media type is set here, once, for all of them.
struct ProblemReplies;

impl Modify for ProblemReplies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = format!("#/components/schemas/{}", <error::Problem as utoipa::ToSchema>::name());
        for item in openapi.paths.paths.values_mut() {
            for op in operations_mut(item) {
                for reply in op.responses.responses.values_mut() {
                    if let RefOr::T(reply) = reply {
                        retype_problem(reply, &problem);
                    }
                }
            }
        }
    }
}

/// Moves a `Problem` body declared as `application/json` to `application/problem+json`.
fn retype_problem(reply: &mut Response, problem: &str) {
    let content = &mut reply.content;
    let is_problem = |c: &RefOr<Content>| matches!(c, RefOr::T(Content { schema: Some(RefOr::Ref(r)), .. }) if r.ref_location == problem);
    if content.len() == 1
        && content.get("application/json").is_some_and(is_problem)
        && let Some(body) = content.shift_remove("application/json")
    {
        content.insert(PROBLEM_JSON.to_owned(), body);
    }
}

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
