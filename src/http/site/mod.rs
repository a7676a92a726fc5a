//! The built web client (`web.dir`), held in memory and served at `/`: hashed files under
//! `assets/` are cached for a year, everything else revalidates (`no-cache` + `ETag`), and a
//! path that is no file and not the API's gets `index.html`, so the app's own routes load on
//! a reload. The API's paths never fall back: a typo there stays a problem+json 404.

mod files;

pub use files::{Asset, Site};

use crate::web::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

/// What the app needs and nothing more: its own scripts, styles and fonts, cover art and
/// waveforms from the API (or drawn into blobs), audio from the API, the API and `/ws` on this
/// origin. No inline script or style, no frames, no plugins.
pub const CSP_APP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; worker-src 'none'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'; report-uri /api/v1/csp-reports";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Paths that belong to the API and the ops endpoints: never the app's.
const NOT_THE_APP: &[&str] = &["/api", "/ws", "/docs", "/health", "/ready", "/metrics", "/.well-known"];

/// The default service: a file of the app, the app's page for a client route, else 404.
pub async fn serve(req: HttpRequest, site: web::Data<Site>) -> Result<HttpResponse, ApiError> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(ApiError::NotFound);
    }
    let path = req.path();
    if is_api_path(path) {
        return Err(ApiError::NotFound);
    }
    let asset = match site.file(path) {
        Some(a) => a,
        // A missing file (its name has an extension) is a 404, not the page: a browser asking
        // for an old script must not get HTML back.
        None if looks_like_file(path) => return Err(ApiError::NotFound),
        None => site.index().ok_or(ApiError::NotFound)?,
    };
    Ok(respond(&req, asset))
}

fn is_api_path(path: &str) -> bool {
    NOT_THE_APP.iter().any(|p| path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')))
}

fn looks_like_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

fn respond(req: &HttpRequest, asset: &Asset) -> HttpResponse {
    let cache = if asset.immutable { IMMUTABLE } else { "no-cache" };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag || t.trim() == "*"));
    let mut res = HttpResponse::build(if not_modified { StatusCode::NOT_MODIFIED } else { StatusCode::OK });
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, asset.etag.as_str()))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP_APP)));
    if not_modified {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, asset.content_type.as_str()));
    match &asset.gzip {
        Some(gz) if accepts_gzip(req) => res.insert_header((header::CONTENT_ENCODING, "gzip")).body(gz.clone()),
        _ => res.body(asset.body.clone()),
    }
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers().get_all(header::ACCEPT_ENCODING).filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            // `gzip;q=0` is a refusal.
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case("gzip") && !refused
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_paths_never_fall_back_to_the_app() {
        for p in ["/api", "/api/v1/nope", "/ws", "/docs/", "/health", "/metrics", "/.well-known/jwks.json"] {
            assert!(is_api_path(p), "{p}");
        }
        for p in ["/", "/rooms/1", "/apis", "/wsx", "/market/listings/2", "/healthy"] {
            assert!(!is_api_path(p), "{p}");
        }
    }

    #[test]
    fn a_name_with_an_extension_is_a_file() {
        assert!(looks_like_file("/assets/app-1.js"));
        assert!(!looks_like_file("/rooms/019a"));
        assert!(!looks_like_file("/"));
    }
}
