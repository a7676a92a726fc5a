//! Tracks: audio uploads decided by their content, metadata, waveform, Range streaming.
//! Built so far: the pure parts (sniffing, probing, peaks, Range resolution) and the model;
//! the routes, service and storage flow follow (see ARCHITECTURE.md).

pub mod model;
pub mod probe;
pub mod range;
pub mod sniff;
pub mod stream;
pub mod waveform;
