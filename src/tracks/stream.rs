//! Serving a blob over HTTP with byte ranges: conditional
//! requests first (RFC 9110 §13: If-None-Match -> 304; If-Range with a different validator ->
//! the whole body), then `Range` (`range.rs`): 200 whole, 206 one part, 206
//! `multipart/byteranges` several parts, 416 with `Content-Range: bytes */len`.
//! Local blobs are read with positioned reads in 256 KiB chunks, from the page cache on the
//! worker and from disk on the blocking pool; blobs
//! in a remote store by ranged GETs of 1 MiB.

use super::range::{ByteRange, Ranges, resolve};
use crate::infra::blobs::{BlobKey, BlobStore};
use crate::infra::page_cache;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpResponse, http::StatusCode};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, Stream};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Bytes read per chunk of a streamed body.
const CHUNK: u64 = 256 * 1024;
/// Bytes per ranged GET from a remote store (fewer round trips; still bounded memory).
const STORE_CHUNK: u64 = 1024 * 1024;

/// What the response describes.
#[derive(Debug, Clone)]
pub struct Representation {
    pub len: u64,
    /// A strong validator, quoted (`"<hash>"`).
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    pub content_type: &'static str,
}

/// Where the bytes are.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    /// A blob in a remote store (S3), read range by range.
    Store(BlobStore, BlobKey),
}

/// `If-None-Match` names this representation (or `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag))
}

/// `If-Range` holds: no header, or our strong ETag, or a date not before our last change.
fn if_range_holds(headers: &HeaderMap, rep: &Representation) -> bool {
    let Some(v) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) else { return true };
    if v.starts_with('"') {
        return v == rep.etag;
    }
    DateTime::parse_from_rfc2822(v).is_ok_and(|d| d.timestamp() >= rep.last_modified.timestamp())
}

fn common(res: &mut actix_web::HttpResponseBuilder, rep: &Representation) {
    res.insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, rep.etag.clone()))
        .insert_header((header::LAST_MODIFIED, rep.last_modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string()));
}

/// The answer to a GET (or HEAD, with `head`) of `rep` from `source`.
pub fn respond(headers: &HeaderMap, rep: &Representation, source: Source, head: bool) -> HttpResponse {
    if not_modified(headers, &rep.etag) {
        let mut res = HttpResponse::NotModified();
        common(&mut res, rep);
        return res.finish();
    }
    let ranges = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) if if_range_holds(headers, rep) => resolve(r, rep.len),
        _ => Ranges::Whole,
    };
    match ranges {
        Ranges::Unsatisfiable => {
            let mut res = HttpResponse::build(StatusCode::RANGE_NOT_SATISFIABLE);
            common(&mut res, rep);
            res.insert_header((header::CONTENT_RANGE, format!("bytes */{}", rep.len)));
            res.content_type("application/problem+json").body(format!(
                r#"{{"type":"urn:veza:problem:range_not_satisfiable","title":"Range Not Satisfiable","status":416,"detail":"no requested range overlaps the {} bytes","code":"range_not_satisfiable"}}"#,
                rep.len
            ))
        }
        Ranges::Whole => {
            let mut res = HttpResponse::Ok();
            common(&mut res, rep);
            res.content_type(rep.content_type).no_chunking(rep.len);
            if head {
                return headless(res, rep.len);
            }
            res.streaming(read_range(source, ByteRange { start: 0, end: rep.len.saturating_sub(1) }))
        }
        Ranges::Partial(parts) if parts.len() == 1 => {
            let r = parts[0];
            let mut res = HttpResponse::PartialContent();
            common(&mut res, rep);
            res.content_type(rep.content_type)
                .insert_header((header::CONTENT_RANGE, r.content_range(rep.len)))
                .no_chunking(r.bytes());
            if head {
                return headless(res, r.bytes());
            }
            res.streaming(read_range(source, r))
        }
        Ranges::Partial(parts) => multipart(rep, source, &parts, head),
    }
}

/// A HEAD answer: the GET's headers and length, no body (the server sends none for HEAD, and
/// takes the length from the body's declared size).
fn headless(mut res: actix_web::HttpResponseBuilder, len: u64) -> HttpResponse {
    let none = stream::empty::<Result<Bytes, std::io::Error>>();
    res.body(actix_web::body::SizedStream::new(len, none))
}

/// Several parts as `multipart/byteranges` (RFC 9110 §14.6), its length known up front.
fn multipart(rep: &Representation, source: Source, parts: &[ByteRange], head: bool) -> HttpResponse {
    let boundary = format!("veza-{}", uuid::Uuid::now_v7().simple());
    let heads: Vec<Bytes> = parts
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let lead = if i == 0 { "" } else { "\r\n" };
            Bytes::from(format!(
                "{lead}--{boundary}\r\nContent-Type: {}\r\nContent-Range: {}\r\n\r\n",
                rep.content_type,
                r.content_range(rep.len)
            ))
        })
        .collect();
    let tail = Bytes::from(format!("\r\n--{boundary}--\r\n"));
    let len: u64 = heads.iter().map(|h| h.len() as u64).sum::<u64>()
        + parts.iter().map(ByteRange::bytes).sum::<u64>()
        + tail.len() as u64;
    let mut res = HttpResponse::PartialContent();
    common(&mut res, rep);
    res.content_type(format!("multipart/byteranges; boundary={boundary}")).no_chunking(len);
    if head {
        return headless(res, len);
    }
    let pieces: Vec<_> = heads
        .into_iter()
        .zip(parts.to_vec())
        .map(move |(h, r)| {
            let body = read_range(source.clone(), r);
            futures_util::StreamExt::chain(stream::once(async move { Ok::<_, std::io::Error>(h) }), body)
        })
        .collect();
    let body = futures_util::StreamExt::chain(
        futures_util::StreamExt::flatten(stream::iter(pieces)),
        stream::once(async move { Ok(tail) }),
    );
    res.streaming(body)
}

/// The bytes of `r`, in `CHUNK`s: from a local file on the blocking pool, or from the store.
fn read_range(
    source: Source,
    r: ByteRange,
) -> futures_util::stream::LocalBoxStream<'static, Result<Bytes, std::io::Error>> {
    use futures_util::StreamExt;
    match source {
        Source::File(path) => read_file_range(path, r).boxed_local(),
        Source::Store(store, key) => read_store_range(store, key, r).boxed_local(),
    }
}

fn read_store_range(store: BlobStore, key: BlobKey, r: ByteRange) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    stream::unfold(r.start, move |at| {
        let (store, key) = (store.clone(), key.clone());
        async move {
            if at > r.end {
                return None;
            }
            let end = (r.end + 1).min(at + STORE_CHUNK);
            match store.read_range(&key, at..end).await {
                Ok(b) => Some((Ok(b), end)),
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), r.end + 1)),
            }
        }
    })
}

fn read_file_range(path: PathBuf, r: ByteRange) -> impl Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let file: Arc<OnceLock<std::io::Result<File>>> = Arc::new(OnceLock::new());
    stream::unfold(r.start, move |at| {
        let (path, file) = (path.clone(), file.clone());
        async move {
            if at > r.end {
                return None;
            }
            let want = (r.end - at + 1).min(CHUNK) as usize;
            let chunk = read_chunk(path, file, at, want).await;
            let next = if chunk.is_ok() { at + want as u64 } else { r.end + 1 };
            Some((chunk, next))
        }
    })
}

/// `want` bytes at `at`: what the page cache holds is read right here, on the worker, as nginx
/// does (a thread hop per chunk cost a third of the throughput); the rest on the blocking pool.
async fn read_chunk(
    path: PathBuf,
    file: Arc<OnceLock<std::io::Result<File>>>,
    at: u64,
    want: usize,
) -> std::io::Result<Bytes> {
    let mut buf = vec![0u8; want];
    let mut got = 0;
    while got < want {
        match page_cache::read_cached_at(opened(&file, &path)?, &mut buf[got..], at + got as u64)? {
            Some(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Some(n) => got += n,
            None => break,
        }
    }
    if got == want {
        return Ok(Bytes::from(buf));
    }
    let read = actix_web::rt::task::spawn_blocking(move || -> std::io::Result<Bytes> {
        opened(&file, &path)?.read_exact_at(&mut buf[got..], at + got as u64)?;
        Ok(Bytes::from(buf))
    })
    .await;
    read.unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
}

/// The blob's file, opened once per response.
fn opened<'a>(file: &'a OnceLock<std::io::Result<File>>, path: &Path) -> std::io::Result<&'a File> {
    file.get_or_init(|| File::open(path)).as_ref().map_err(|e| std::io::Error::new(e.kind(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;
    use actix_web::http::header::HeaderName;

    struct Fixture {
        path: PathBuf,
        body: Vec<u8>,
        rep: Representation,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn fixture() -> Fixture {
        // Several chunks, and not a multiple of one.
        let body: Vec<u8> = (0..(CHUNK as usize * 2 + 1234)).map(|i| (i * 7 % 251) as u8).collect();
        let path = std::env::temp_dir().join(format!("veza-stream-{}", uuid::Uuid::now_v7()));
        std::fs::write(&path, &body).unwrap_or_else(|e| panic!("{e}"));
        let rep = Representation {
            len: body.len() as u64,
            etag: "\"abc123\"".into(),
            last_modified: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            content_type: "audio/mpeg",
        };
        Fixture { path, body, rep }
    }

    async fn get(f: &Fixture, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            map.insert(name, v.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        let res = respond(&map, &f.rep, Source::File(f.path.clone()), false);
        let (status, head) = (res.status(), res.headers().clone());
        let body = res.into_body().try_into_bytes().map(|b| b.to_vec());
        let body = match body {
            Ok(b) => b,
            Err(streaming) => actix_web::body::to_bytes(streaming).await.map(|b| b.to_vec()).unwrap_or_default(),
        };
        (status, head, body)
    }

    fn header(h: &HeaderMap, name: header::HeaderName) -> &str {
        h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[actix_web::test]
    async fn chunks_out_of_the_page_cache_are_read_from_disk() {
        let f = fixture();
        let file = File::open(&f.path).unwrap_or_else(|e| panic!("{e}"));
        // Drop the file's clean pages so the worker's non-waiting read finds nothing cached.
        // SAFETY: advice on an open descriptor; it cannot touch memory.
        unsafe { libc::posix_fadvise(std::os::fd::AsRawFd::as_raw_fd(&file), 0, 0, libc::POSIX_FADV_DONTNEED) };
        let (at, want) = (CHUNK + 17, 1000);
        let got = read_chunk(f.path.clone(), Arc::new(OnceLock::new()), at, want).await;
        let got = got.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&got[..], &f.body[at as usize..at as usize + want]);
        let past = read_chunk(f.path.clone(), Arc::new(OnceLock::new()), f.body.len() as u64 - 10, 20).await;
        assert!(past.is_err(), "a file shorter than its row says is an error, not short bytes");
    }

    #[actix_web::test]
    async fn whole_single_and_suffix_ranges_byte_for_byte() {
        let f = fixture();
        let len = f.body.len();
        let (s, h, b) = get(&f, &[]).await;
        assert_eq!((s, b.len()), (StatusCode::OK, len));
        assert_eq!(b, f.body);
        assert_eq!(header(&h, header::ACCEPT_RANGES), "bytes");
        for (range, from, to) in [
            ("bytes=0-0", 0, 0),
            (&*format!("bytes={}-{}", len - 1, len - 1), len - 1, len - 1),
            ("bytes=-100", len - 100, len - 1),
            ("bytes=262000-", 262_000, len - 1),
            ("bytes=100-300000", 100, 300_000),
        ] {
            let (s, h, b) = get(&f, &[("range", range)]).await;
            assert_eq!(s, StatusCode::PARTIAL_CONTENT, "{range}");
            assert_eq!(header(&h, header::CONTENT_RANGE), format!("bytes {from}-{to}/{len}"), "{range}");
            assert_eq!(b, f.body[from..=to], "{range}");
        }
    }

    #[actix_web::test]
    async fn impossible_malformed_and_several_ranges() {
        let f = fixture();
        let len = f.body.len();
        let (s, h, _) = get(&f, &[("range", &format!("bytes={len}-"))]).await;
        assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(header(&h, header::CONTENT_RANGE), format!("bytes */{len}"));
        for malformed in ["bytes=5-1", "bytes=abc", "pages=1-2"] {
            let (s, _, b) = get(&f, &[("range", malformed)]).await;
            assert_eq!((s, b.len()), (StatusCode::OK, len), "{malformed}: ignored, the whole body");
        }
        let (s, h, b) = get(&f, &[("range", "bytes=0-9, 100-109")]).await;
        assert_eq!(s, StatusCode::PARTIAL_CONTENT);
        let ct = header(&h, header::CONTENT_TYPE).to_owned();
        let boundary = ct.split("boundary=").nth(1).unwrap_or_default();
        assert!(ct.starts_with("multipart/byteranges"), "{ct}");
        let text = String::from_utf8_lossy(&b);
        assert_eq!(text.matches(&format!("--{boundary}")).count(), 3, "two parts and the close");
        assert!(text.contains(&format!("Content-Range: bytes 0-9/{len}")));
        assert!(text.contains(&format!("Content-Range: bytes 100-109/{len}")));
        let first = b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4).unwrap_or_default();
        assert_eq!(&b[first..first + 10], &f.body[0..10], "the first part's bytes");
        assert_eq!(header(&h, header::CONTENT_LENGTH), b.len().to_string(), "the length announced is sent");
    }

    #[actix_web::test]
    async fn validators_make_conditional_answers() {
        let f = fixture();
        let (s, h, b) = get(&f, &[("if-none-match", "\"abc123\"")]).await;
        assert_eq!((s, b.len()), (StatusCode::NOT_MODIFIED, 0));
        assert_eq!(header(&h, header::ETAG), "\"abc123\"");
        let (s, _, _) = get(&f, &[("if-none-match", "\"other\", W/\"abc123\"")]).await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "weak comparison for If-None-Match");
        let (s, _, _) = get(&f, &[("range", "bytes=0-9"), ("if-range", "\"abc123\"")]).await;
        assert_eq!(s, StatusCode::PARTIAL_CONTENT, "If-Range matches: the range");
        let (s, _, b) = get(&f, &[("range", "bytes=0-9"), ("if-range", "\"changed\"")]).await;
        assert_eq!((s, b.len()), (StatusCode::OK, f.body.len()), "If-Range stale: the whole body");
        let (s, _, _) = get(&f, &[("range", "bytes=0-9"), ("if-range", "Tue, 14 Nov 2023 22:13:20 GMT")]).await;
        assert_eq!(s, StatusCode::PARTIAL_CONTENT, "a date not before the last change");
        let (s, _, _) = get(&f, &[("range", "bytes=0-9"), ("if-range", "Mon, 13 Nov 2023 00:00:00 GMT")]).await;
        assert_eq!(s, StatusCode::OK, "an older date: the whole body");
    }
}
