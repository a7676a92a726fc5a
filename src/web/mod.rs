//! The web kit: what every feature's routes use to speak HTTP, and nothing else. The
//! problem+json error (`error`), the extractors' settings (`extract`), pagination, who is
//! calling (`client`), a resource that answers 405 properly (`resource`), and `ask` (a message
//! to a service actor, its failure as a problem). It imports no feature and not the app
//! (`http`): features import it, the app wires them.

pub mod ask;
pub mod client;
pub mod error;
pub mod extract;
pub mod idempotent;
pub mod pagination;
pub mod resource;

pub use ask::ask;
pub use error::{ApiError, PROBLEM_JSON, Problem};
pub use resource::resource;
