//! Credentials: the bounded password-hashing pool and client secrets.

pub mod hashing;
pub mod secrets;

pub use hashing::{HashError, PasswordHasher};
