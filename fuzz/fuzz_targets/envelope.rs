//! Any bytes on a node's queue decode to an envelope or to nothing, never a panic (a corrupted
//! or foreign message must not stop the bridge); an envelope that decodes encodes back to bytes
//! that decode to the same envelope.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veza::infra::envelope::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Some(env) = decode(data) {
        let bytes = encode(&env);
        let again = decode(&bytes).map(|e| encode(&e));
        assert_eq!(again.as_deref(), Some(bytes.as_slice()), "a decoded envelope round-trips");
    }
});
