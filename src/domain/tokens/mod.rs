//! The OAuth2 authorization server's domain (RFC 6749, 7009, 7662): who a
//! client is, the grants, the tokens they mint, what a bearer token allows,
//! and introspection and revocation. One [`TokenService`], its parts by concern.

pub mod access;
mod client_auth;
mod grants;
pub mod introspection;
mod issue;
pub mod revocation;
mod service;
pub mod sso;

pub use access::{Caller, Grantor};
pub use client_auth::{AuthenticatedClient, ClientCredentials};
pub use introspection::TokenInfo;
pub use revocation::Revocations;
pub use service::{IssuedTokens, TokenService, TokenSetup, TokensConfig};
pub use sso::UserRef;
