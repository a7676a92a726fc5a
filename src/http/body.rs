//! For middleware that must see a request's whole body before the handler does (the NUL guard,
//! idempotency's request hash): read it within the body limit, then hand it back unchanged.

use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

/// The body was larger than the limit; nothing was handed back (the caller answers 413).
pub struct TooLarge;

/// Reads the body (at most `limit` bytes) and puts it back for the handler; answers the bytes.
pub async fn buffer(req: &mut ServiceRequest, limit: usize) -> Result<Result<Bytes, TooLarge>, actix_web::Error> {
    let mut body = BytesMut::new();
    let mut payload = req.take_payload();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(Err(TooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let (_, mut replacement) = actix_http::h1::Payload::create(true);
    replacement.unread_data(body.clone());
    req.set_payload(Payload::from(replacement));
    Ok(Ok(body))
}
