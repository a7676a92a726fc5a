//! Any bytes a client sends as a JSON WebSocket frame decode to a frame or an error, never a
//! panic; a frame that decodes encodes back to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veza_actors::protocol::{Encoding, decode};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = decode(data, Encoding::Json) {
        let again = serde_json::to_vec(&frame).ok().and_then(|b| decode(&b, Encoding::Json).ok());
        assert_eq!(again.as_ref(), Some(&frame), "a decoded frame round-trips");
    }
});
