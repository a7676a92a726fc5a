//! The bottom of Veza: what the server (`veza`), the realtime core (`veza-actors`) and the load
//! tool (`veza-loadtest`) all need, and none of them may import from another. It depends on no
//! Veza crate and knows no framework: `diesel` and `utoipa` are optional features for the
//! server's SQL binding and OpenAPI schemas of the ids.

pub mod code;
pub mod ids;
pub mod json;
pub mod limits;
pub mod rng;
pub mod text;

pub use code::Code;
pub use ids::{CategoryId, ListingId, MessageId, OfferId, PlaylistId, RoomId, Seq, TrackId, UploadId, UserId};
