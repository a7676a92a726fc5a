//! The app: middleware, ops endpoints and the OpenAPI document, and `build_app`, which wires
//! every feature's routes in one place. Nothing imports it but the node; what routes share
//! lives in the web kit (`crate::web`).

pub mod body;
pub mod csp_report;
pub mod idempotency;
pub mod nul_guard;
pub mod openapi;
pub mod openapi_links;
pub mod openapi_replies;
pub mod openapi_text;
pub mod openapi_walk;
pub mod ops;
pub mod problem;
pub mod rate_limit;
pub mod read_your_writes;
pub mod request_id;
pub mod security_headers;
pub mod site;
pub mod telemetry;

use crate::accounts::service::AccountService;
use crate::admin::service::AdminService;
use crate::auth::service::AuthService;
use crate::categories::service::CategoryService;
use crate::chat::service::ChatService;
use crate::config::CorsConfig;
use crate::listings::service::ListingService;
use crate::offers::service::OfferService;
use crate::playlists::service::PlaylistService;
use crate::reports::service::ReportService;
use crate::search::service::SearchService;
use crate::server_api::service::ServerApiService;
use crate::state::AppState;
use crate::tracks::service::TrackService;
use crate::tracks::tus::service::UploadService;
use crate::users::service::UserService;
use crate::web::{extract, resource};
use actix::Actor;
use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, http, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// The application of one HTTP worker. Middleware runs outermost first:
/// request id -> telemetry (span, log, metrics) -> security headers -> problem bodies -> CORS
/// -> NUL guard -> rate limit -> idempotency -> routes.
pub fn build_app(
    state: web::Data<AppState>,
    openapi: utoipa::openapi::OpenApi,
    site: web::Data<site::Site>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.config.server.body_limit_bytes;
    let cors = cors(&state.config.cors);
    // Service actors live on this worker, so handler and service share a thread.
    let auth_service = web::Data::new(AuthService::new(state.get_ref().clone()).start());
    let user_service = web::Data::new(UserService::new(state.get_ref().clone()).start());
    let chat_service = web::Data::new(ChatService::new(state.get_ref().clone()).start());
    let category_service = web::Data::new(CategoryService::new(state.get_ref().clone()).start());
    let admin_service = web::Data::new(AdminService::new(state.get_ref().clone()).start());
    let listing_service = web::Data::new(ListingService::new(state.get_ref().clone()).start());
    let offer_service = web::Data::new(OfferService::new(state.get_ref().clone()).start());
    let account_service = web::Data::new(AccountService::new(state.get_ref().clone()).start());
    let track_service = web::Data::new(TrackService::new(state.get_ref().clone()).start());
    let playlist_service = web::Data::new(PlaylistService::new(state.get_ref().clone()).start());
    let upload_service = web::Data::new(UploadService::new(state.get_ref().clone()).start());
    let search_service = web::Data::new(SearchService::new(state.get_ref().clone()).start());
    let report_service = web::Data::new(ReportService::new(state.get_ref().clone()).start());
    let server_api_service = web::Data::new(ServerApiService::new(state.get_ref().clone()).start());
    App::new()
        .app_data(state)
        .app_data(site)
        .app_data(auth_service)
        .app_data(user_service)
        .app_data(chat_service)
        .app_data(category_service)
        .app_data(admin_service)
        .app_data(listing_service)
        .app_data(offer_service)
        .app_data(account_service)
        .app_data(track_service)
        .app_data(playlist_service)
        .app_data(upload_service)
        .app_data(search_service)
        .app_data(report_service)
        .app_data(server_api_service)
        .app_data(extract::json_config(limit))
        .app_data(extract::payload_config(limit))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .service(resource("/health", "GET").route(web::get().to(ops::health)))
        .service(resource("/ready", "GET").route(web::get().to(ops::ready)))
        .service(resource("/metrics", "GET").route(web::get().to(ops::metrics)))
        .service(
            resource(security_headers::CSP_REPORT_PATH, "POST")
                .app_data(extract::json_config_with(limit, csp_report::accepts))
                .route(web::post().to(csp_report::report)),
        )
        .configure(crate::auth::routes::configure)
        // Before users: it takes DELETE on `/users/me`, whose other methods are the users'.
        .configure(crate::accounts::routes::configure)
        .configure(crate::users::routes::configure)
        .configure(crate::chat::routes::configure)
        .configure(crate::categories::routes::configure)
        .configure(crate::admin::routes::configure)
        .configure(crate::listings::routes::configure)
        .configure(crate::offers::routes::configure)
        .configure(crate::tracks::routes::configure)
        .configure(crate::tracks::library_routes::configure)
        .configure(crate::playlists::routes::configure)
        .configure(crate::tracks::tus::routes::configure)
        .configure(crate::search::routes::configure)
        .configure(crate::reports::routes::configure)
        .configure(crate::server_api::routes::configure)
        .service(resource("/docs", "GET").route(web::get().to(|| async {
            HttpResponse::PermanentRedirect().insert_header((http::header::LOCATION, "/docs/")).finish()
        })))
        .service(SwaggerUi::new("/docs/{_:.*}").url(openapi::OPENAPI_PATH, openapi))
        .default_service(web::to(site::serve))
        .wrap(from_fn(idempotency::middleware))
        .wrap(from_fn(read_your_writes::middleware))
        .wrap(from_fn(rate_limit::middleware))
        .wrap(from_fn(nul_guard::middleware))
        .wrap(cors)
        .wrap(from_fn(problem::middleware))
        .wrap(from_fn(security_headers::middleware))
        .wrap(from_fn(telemetry::middleware))
        .wrap(from_fn(request_id::middleware))
}

/// The OpenAPI document; built once per node and cloned into each worker.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    openapi::ApiDoc::openapi()
}

fn cors(c: &CorsConfig) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        // Range and the validators so browser players can seek; the tus headers so they can
        // resume uploads.
        .allowed_headers([
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::ACCEPT,
            http::header::RANGE,
            http::header::IF_RANGE,
            http::header::IF_MATCH,
            http::header::IF_NONE_MATCH,
            http::header::HeaderName::from_static("x-request-id"),
            http::header::HeaderName::from_static("idempotency-key"),
            http::header::HeaderName::from_static("tus-resumable"),
            http::header::HeaderName::from_static("upload-offset"),
            http::header::HeaderName::from_static("upload-length"),
            http::header::HeaderName::from_static("upload-metadata"),
        ])
        .expose_headers([
            http::header::HeaderName::from_static("x-request-id"),
            http::header::RETRY_AFTER,
            http::header::HeaderName::from_static("idempotency-replayed"),
            http::header::ACCEPT_RANGES,
            http::header::CONTENT_RANGE,
            http::header::CONTENT_LENGTH,
            http::header::ETAG,
            http::header::LOCATION,
            http::header::HeaderName::from_static("tus-resumable"),
            http::header::HeaderName::from_static("tus-version"),
            http::header::HeaderName::from_static("upload-offset"),
            http::header::HeaderName::from_static("upload-length"),
            http::header::HeaderName::from_static("upload-expires"),
        ])
        .max_age(c.max_age_secs);
    for origin in &c.allowed_origins {
        cors = if origin == "*" { cors.allow_any_origin() } else { cors.allowed_origin(origin) };
    }
    if c.allow_credentials {
        cors = cors.supports_credentials();
    }
    cors
}
