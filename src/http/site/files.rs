//! The web client's files, read once at start into memory with a gzipped copy of each text
//! file: a build is a few hundred KiB, and serving from a map means no path ever reaches the
//! file system from a request.

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// One file of the app.
pub struct Asset {
    pub body: Bytes,
    /// Present when it is text and compresses.
    pub gzip: Option<Bytes>,
    pub content_type: String,
    pub etag: String,
    /// Under `assets/`: the name carries a content hash, so it may be cached forever.
    pub immutable: bool,
}

/// The app's files by path (`index.html`, `assets/index-3f2a.js`).
#[derive(Default)]
pub struct Site {
    files: HashMap<String, Asset>,
}

impl Site {
    /// Reads `dir` (empty: no app). A missing or unreadable directory gives an empty site and a
    /// log line, not a node that will not start: the API works without its client.
    pub fn load(dir: &str) -> Site {
        if dir.is_empty() {
            return Site::default();
        }
        let mut files = HashMap::new();
        if let Err(e) = read_dir(Path::new(dir), "", &mut files) {
            tracing::warn!(dir, error = %e, "web client not readable: `/` answers 404 (build it with `make web`)");
            return Site::default();
        }
        if !files.contains_key("index.html") {
            tracing::warn!(dir, "no index.html in web.dir: `/` answers 404 (build it with `make web`)");
        } else {
            let bytes: usize = files.values().map(|a| a.body.len()).sum();
            tracing::info!(dir, files = files.len(), bytes, "web client loaded");
        }
        Site { files }
    }

    /// The file at a request path (`/` is `index.html`).
    pub fn file(&self, path: &str) -> Option<&Asset> {
        match path.trim_start_matches('/') {
            "" => self.index(),
            p => self.files.get(p),
        }
    }

    pub fn index(&self) -> Option<&Asset> {
        self.files.get("index.html")
    }
}

fn read_dir(dir: &Path, prefix: &str, out: &mut HashMap<String, Asset>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        let kind = entry.file_type()?;
        let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        if kind.is_dir() {
            read_dir(&entry.path(), &rel, out)?;
        } else if kind.is_file() {
            let body = std::fs::read(entry.path())?;
            out.insert(rel.clone(), asset(&rel, body));
        }
    }
    Ok(())
}

fn asset(rel: &str, body: Vec<u8>) -> Asset {
    let mime = mime_guess::from_path(rel).first_or_octet_stream();
    // Text carries its charset; `mime` splits `manifest+json` into subtype and suffix.
    let text = mime.type_() == mime::TEXT
        || mime.type_() == mime::APPLICATION
            && (matches!(mime.subtype().as_str(), "javascript" | "json" | "xml")
                || matches!(mime.suffix().map(|s| s.as_str()), Some("json" | "xml")));
    // SVG and WebAssembly are not text to a browser, but they compress like it.
    let compressible = text || mime.subtype() == mime::SVG || mime.subtype() == "wasm";
    let content_type = if text { format!("{mime}; charset=utf-8") } else { mime.to_string() };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..20]);
    let gzip = if compressible && body.len() > 512 { gzip(&body).filter(|gz| gz.len() < body.len()) } else { None };
    Asset {
        body: Bytes::from(body),
        gzip: gzip.map(Bytes::from),
        content_type,
        etag,
        immutable: rel.starts_with("assets/"),
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(body).ok()?;
    enc.finish().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compressed_and_typed_with_its_charset() {
        let a = asset("assets/index-1a2b.js", "let a = 1;\n".repeat(200).into_bytes());
        assert_eq!(a.content_type, "text/javascript; charset=utf-8");
        assert!(a.immutable);
        assert!(a.gzip.as_ref().is_some_and(|g| g.len() < a.body.len()));
        let svg = asset("favicon.svg", b"<svg/>".to_vec());
        assert_eq!(svg.content_type, "image/svg+xml");
        assert!(!svg.immutable);
        let manifest = asset("app.webmanifest", b"{}".to_vec());
        assert_eq!(manifest.content_type, "application/manifest+json; charset=utf-8");
        let png = asset("logo.png", vec![0u8; 4096]);
        assert!(png.gzip.is_none(), "images are sent as they are");
    }
}
