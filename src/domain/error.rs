//! The one error of the domain: what went wrong, in terms each surface maps to
//! its own format, once, in its `errors.rs`. The conversions from the parts
//! below (the database, the hasher, the rate limiter, the key ring) are
//! written here, once each.

use sea_orm::DbErr;

use super::values::{FieldError, Problem, Scope};
use crate::{
    auth::{HashError, keys::KeyError, tokens::TokenError},
    ratelimit::{self, Decision, Refusal},
    store::{self, users::InsertError},
};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Values the caller sent were refused, field by field.
    #[error("{}", plain(.0))]
    Rejected(Vec<FieldError>),
    /// No such thing in the caller's tenant; says what, for the surfaces that
    /// name it.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The caller could not be authenticated.
    #[error("not authenticated: {0:?}")]
    Unauthenticated(Credential),
    /// The caller is known and not allowed this.
    #[error("forbidden: {0:?}")]
    Forbidden(Denied),
    /// Over a rate limit.
    #[error("over a rate limit")]
    RateLimited(Decision),
    /// It changed since the version the caller named (`If-Match`).
    #[error("changed since the version given")]
    Conflict,
    /// Too much work in flight (password hashes): retry shortly.
    #[error("too many registrations in flight")]
    Overloaded,
    /// The request cannot be decided now: retry shortly.
    #[error("{0}")]
    Unavailable(Cause),
    /// A fault of the service.
    #[error("internal: {0}")]
    Internal(String),
}

/// What failed to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A bearer token that is missing, malformed or not ours.
    Token,
    ExpiredToken,
    /// An OAuth2 client's id or secret (RFC 6749 `invalid_client`).
    Client,
    /// A user's password or a refresh token (RFC 6749 `invalid_grant`).
    Grant(&'static str),
}

/// Why an authenticated caller may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The operation needs a tenant admin's token or this scope.
    MissingScope(Scope),
    /// This client may not use this grant or token (RFC 6749 `unauthorized_client`).
    Client(&'static str),
    /// A scope was asked for that the client or user may not hold (RFC 6749
    /// `invalid_scope`).
    Scope,
}

/// Why a request cannot be decided now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    #[error("the database is unavailable")]
    Database,
    #[error("the rate limiter is unavailable")]
    RateLimiter,
    /// The tenant's rules changed while the request was being decided.
    #[error("the tenant's rules changed meanwhile: retry")]
    RulesChanged,
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        if store::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            Error::Unavailable(Cause::Database)
        } else {
            Error::Internal(err.to_string())
        }
    }
}

impl From<HashError> for Error {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Overloaded => Error::Overloaded,
            HashError::Failed(reason) => Error::Internal(reason),
        }
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Limited(decision) => Error::RateLimited(decision),
            Refusal::Unavailable => Error::Unavailable(Cause::RateLimiter),
        }
    }
}

impl From<ratelimit::Unavailable> for Error {
    fn from(_: ratelimit::Unavailable) -> Self {
        Error::Unavailable(Cause::RateLimiter)
    }
}

impl From<KeyError> for Error {
    fn from(err: KeyError) -> Self {
        Error::Internal(err.to_string())
    }
}

/// A bearer token's verdict.
impl From<TokenError> for Error {
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::Invalid => Error::Unauthenticated(Credential::Token),
            TokenError::Expired => Error::Unauthenticated(Credential::ExpiredToken),
            TokenError::Keys(err) => err.into(),
        }
    }
}

/// A user the store would not write.
impl From<InsertError> for Error {
    fn from(err: InsertError) -> Self {
        let refused = |field, problem| Error::Rejected(vec![FieldError::new(field, problem)]);
        match err {
            InsertError::Duplicate(duplicate) => refused(duplicate.field(), Problem::Taken),
            InsertError::UnknownTag => refused("tags", Problem::Invalid),
            InsertError::CodeUnavailable(field) => refused(field, Problem::Expired),
            // Rare: a retry is decided under the rules as they are now.
            InsertError::RulesChanged => Error::Unavailable(Cause::RulesChanged),
            InsertError::Db(err) => err.into(),
        }
    }
}

/// Field errors in plain words, as the command line shows them.
fn plain(errors: &[FieldError]) -> String {
    let words: Vec<String> = errors.iter().map(ToString::to_string).collect();
    words.join("; ")
}
