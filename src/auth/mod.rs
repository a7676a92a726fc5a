//! Authentication: accounts, password login, rotating refresh tokens with reuse detection,
//! EdDSA access tokens under rotating keys, revocation, magic links, OAuth2 with PKCE, roles.

pub mod anchor_keys;
pub mod bootstrap;
pub mod denylist;
pub mod extract;
pub mod keys;
pub mod model;
pub mod oauth;
pub mod password;
pub mod repo;
pub mod routes;
pub mod scheduler;
pub mod service;
pub mod suspension;
pub mod tokens;

pub use extract::AuthUser;
pub use model::{AuthError, Role};
