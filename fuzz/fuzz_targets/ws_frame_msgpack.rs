//! Any bytes a client sends as a MessagePack WebSocket frame decode to a frame or an error,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veza_actors::protocol::{Encoding, decode};

fuzz_target!(|data: &[u8]| {
    let _ = decode(data, Encoding::MsgPack);
});
