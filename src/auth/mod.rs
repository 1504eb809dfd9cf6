//! Credentials: the bounded password-hashing pool, client secrets, signing keys and
//! access tokens.

pub mod foreign_hash;
pub mod hashing;
pub mod keys;
pub mod master_key;
pub mod secrets;
pub mod tokens;
pub mod verified;

pub use hashing::{HashError, PasswordHasher};
