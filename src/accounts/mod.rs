//! Account deletion: the one path by which a user deletes their own account and an admin
//! deletes someone's. It sits above every feature whose rows point at a user (auth, users,
//! chat, listings, offers), so it may touch each through its repository.

pub mod model;
pub mod routes;
pub mod service;
