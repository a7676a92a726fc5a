//! The `Range` header and the upload sniffer: any header against any length resolves to whole,
//! unsatisfiable, or sorted, disjoint, non-touching ranges inside the body; any leading bytes
//! sniff without a panic. (The proptest in `src/tracks/range.rs` is CI's net for the same path.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use veza::tracks::range::{MAX_RANGES, Ranges, resolve};
use veza::tracks::sniff::sniff;

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
    if data.len() < 8 {
        return;
    }
    let len = u64::from_le_bytes([data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7]]) % (1 << 40);
    let Ok(header) = std::str::from_utf8(&data[8..]) else { return };
    if let Ranges::Partial(parts) = resolve(header, len) {
        assert!(!parts.is_empty() && parts.len() <= MAX_RANGES);
        assert!(parts.iter().all(|r| r.start <= r.end && r.end < len));
        assert!(parts.windows(2).all(|w| w[0].end + 1 < w[1].start));
    }
});
