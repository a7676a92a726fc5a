//! The web client served by the node (`web.dir`): hashed assets cached forever, the page never
//! cached, client routes answered with the page, the API's paths never.

use crate::support::TestApp;
use serde_json::Value;
use std::path::PathBuf;

const INDEX: &str =
    "<!doctype html><html><head><script type=module src=/assets/index-abc123.js></script></head><body></body></html>";

/// A built client in a directory of its own, removed with it.
struct Dist(PathBuf);

impl Dist {
    fn new() -> Dist {
        let dir = std::env::temp_dir().join(format!("veza-site-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(dir.join("assets")).expect("dist dir");
        std::fs::write(dir.join("index.html"), INDEX).expect("index");
        std::fs::write(dir.join("assets/index-abc123.js"), "console.log('veza');\n".repeat(100)).expect("js");
        std::fs::write(dir.join("favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>").expect("svg");
        Dist(dir)
    }
}

impl Drop for Dist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn serving() -> (TestApp, Dist) {
    let dist = Dist::new();
    let dir = dist.0.display().to_string();
    (TestApp::spawn_with(&[("VEZA__WEB__DIR", &dir)]).await, dist)
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn the_page_revalidates_and_hashed_assets_are_cached_for_a_year() {
    let (app, _dist) = serving().await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let csp = header(&page, "content-security-policy").to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    let etag = header(&page, "etag").to_owned();
    assert_eq!(page.text().await.expect("body"), INDEX);

    let again = app.client.get(app.url("/")).header("if-none-match", &etag).send().await.expect("sent");
    assert_eq!(again.status(), 304, "an unchanged page is not sent again");

    let js = app.get("/assets/index-abc123.js").await;
    assert_eq!(js.status(), 200);
    assert_eq!(header(&js, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header(&js, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&app.get("/favicon.svg").await, "cache-control"), "no-cache", "unhashed files revalidate");
}

#[tokio::test]
async fn text_goes_gzipped_to_who_accepts_it_and_plain_to_who_does_not() {
    let (app, _dist) = serving().await;
    // reqwest here asks for no encoding: the plain bytes.
    let plain = app.get("/assets/index-abc123.js").await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.bytes().await.expect("body").len(), 2100);
    let gz = app
        .client
        .get(app.url("/assets/index-abc123.js"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .expect("sent");
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    assert!(header(&gz, "vary").starts_with("Accept-Encoding"), "caches keep both copies apart");
    let packed = gz.bytes().await.expect("body");
    assert!(packed.len() < 200 && packed.starts_with(&[0x1f, 0x8b]), "{} gzip bytes", packed.len());
    let refused = app
        .client
        .get(app.url("/assets/index-abc123.js"))
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await
        .expect("sent");
    assert_eq!(header(&refused, "content-encoding"), "");
}

#[tokio::test]
async fn client_routes_get_the_page_but_the_api_and_missing_files_do_not() {
    let (app, _dist) = serving().await;
    for route in ["/rooms/019a0000-0000-7000-8000-000000000001", "/market/listings/x/edit", "/login"] {
        let res = app.get(route).await;
        assert_eq!(res.status(), 200, "{route}");
        assert_eq!(res.text().await.expect("body"), INDEX, "{route}");
    }
    for path in ["/api/v1/nope", "/api", "/docs/nope.js", "/.well-known/nope", "/assets/gone-123.js", "/robots.txt"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(header(&res, "content-type"), "application/problem+json", "{path}");
        let body: Value = res.json().await.expect("problem");
        assert_eq!(body["code"], "not_found", "{path}");
    }
    let post = app.client.post(app.url("/rooms")).send().await.expect("sent");
    assert_eq!(post.status(), 404, "the page is only read");
    let head = app.client.head(app.url("/market")).send().await.expect("sent");
    assert_eq!(head.status(), 200);
}

#[tokio::test]
async fn without_a_built_client_the_root_is_a_plain_404() {
    let app = TestApp::spawn_with(&[("VEZA__WEB__DIR", "/nonexistent/veza-web")]).await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 404);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    assert_eq!(app.get("/health").await.status(), 200, "the API works without its client");
}
