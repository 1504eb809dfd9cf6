//! Wire types of the SSO surface.

use poem_openapi::{ApiResponse, Object, payload::Json, types::Example};

use crate::api::{
    problem::ProblemJson,
    problem::errors::{from_parse_error, problem_response},
};

/// The sign-up request (seed 002).
#[derive(Debug, Object)]
#[oai(rename = "SsoSignup", example)]
pub struct SsoSignup {
    /// A unique external id identifying the user in your system.
    #[oai(nullable)]
    pub ext_id: Option<i64>,
    /// Letters, digits, `_` and `-`; at most 255 characters; unique in the tenant.
    #[oai(validator(max_length = 255, pattern = r"^[A-Za-z0-9_-]+$"))]
    pub username: String,
    #[oai(nullable)]
    pub email: Option<String>,
    /// When given: 8 to 128 characters with 3 of: lowercase, uppercase, digits,
    /// symbols. Without one the user is `pending` and signs in through SSO tokens.
    #[oai(
        validator(min_length = 8, max_length = 128),
        skip_serializing_if_is_none
    )]
    pub password: Option<String>,
    /// `admin`, `moderator` or `editor`. Granting `admin` needs a tenant admin or a
    /// token with `tenant:manage`.
    #[oai(nullable)]
    pub role: Option<String>,
    /// Ids of the tenant's tags.
    #[oai(nullable)]
    pub tags: Option<Vec<i64>>,
}

/// What Swagger UI's "Try it out" starts from.
impl Example for SsoSignup {
    fn example() -> Self {
        Self {
            ext_id: Some(1001),
            username: "jane_doe".to_owned(),
            email: Some("jane@example.com".to_owned()),
            password: None,
            role: Some("editor".to_owned()),
            tags: Some(Vec::new()),
        }
    }
}

#[derive(Debug, Object)]
#[oai(rename = "SsoUser")]
pub struct SsoUser {
    pub id: i64,
    #[oai(nullable)]
    pub ext_id: Option<i64>,
    pub username: String,
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(nullable)]
    pub role: Option<String>,
    #[oai(nullable)]
    pub tags: Option<Vec<i64>>,
}

/// Which user to issue tokens for: exactly one of the two.
#[derive(Debug, Object)]
#[oai(rename = "SsoTokenRequest")]
pub struct SsoTokenRequest {
    pub user_id: Option<i64>,
    pub ext_id: Option<i64>,
}

/// An access and refresh token pair for the user (RFC 6749 section 5.1 shape).
#[derive(Debug, Object)]
#[oai(rename = "SsoTokens")]
pub struct SsoTokens {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub scope: String,
}

#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "from_parse_error")]
pub enum SignupResponse {
    /// The user was created.
    #[oai(status = 201)]
    Created(Json<SsoUser>),
    /// Invalid fields (`errors` names each), or malformed JSON.
    #[oai(status = 400)]
    BadRequest(ProblemJson),
    /// Missing, invalid or expired bearer token.
    #[oai(status = 401)]
    Unauthorized(ProblemJson, #[oai(header = "WWW-Authenticate")] String),
    /// The token is not a tenant admin's.
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// A request with this `Idempotency-Key` is still being processed.
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// The body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(ProblemJson),
    /// The body is not `application/json`.
    #[oai(status = 415)]
    UnsupportedMediaType(ProblemJson),
    /// The `Idempotency-Key` was used with another request.
    #[oai(status = 422)]
    Unprocessable(ProblemJson),
    /// Over the rate limit for this token's subject; retry after `Retry-After`
    /// seconds.
    #[oai(status = 429)]
    TooManyRequests(
        ProblemJson,
        #[oai(header = "Retry-After")] u64,
        #[oai(header = "RateLimit-Limit")] u32,
        #[oai(header = "RateLimit-Remaining")] u32,
        #[oai(header = "RateLimit-Reset")] u64,
    ),
    /// Unexpected failure; details are in the server's logs under the request id.
    #[oai(status = 500)]
    Internal(ProblemJson),
    /// Too many registrations in flight; retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(ProblemJson, #[oai(header = "Retry-After")] u32),
}

problem_response!(
    SignupResponse,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable
);

pub mod token {
    use poem_openapi::{ApiResponse, payload::Json};

    use super::SsoTokens;
    use crate::api::{
        problem::ProblemJson,
        problem::errors::{from_parse_error, problem_response},
    };

    #[derive(Debug, ApiResponse)]
    #[oai(bad_request_handler = "from_parse_error")]
    pub enum TokenResponse {
        /// The user's tokens.
        #[oai(status = 200)]
        Ok(Json<SsoTokens>, #[oai(header = "Cache-Control")] String),
        /// Neither or both of `user_id` and `ext_id`, or malformed JSON.
        #[oai(status = 400)]
        BadRequest(ProblemJson),
        /// Missing, invalid or expired bearer token.
        #[oai(status = 401)]
        Unauthorized(ProblemJson, #[oai(header = "WWW-Authenticate")] String),
        /// Not the tenant's own token with `users:write`.
        #[oai(status = 403)]
        Forbidden(ProblemJson),
        /// No such user in the tenant, or the user is disabled.
        #[oai(status = 404)]
        NotFound(ProblemJson),
        /// The body is larger than 64 KiB.
        #[oai(status = 413)]
        PayloadTooLarge(ProblemJson),
        /// The body is not `application/json`.
        #[oai(status = 415)]
        UnsupportedMediaType(ProblemJson),
        /// Unexpected failure; details are in the server's logs under the request id.
        #[oai(status = 500)]
        Internal(ProblemJson),
        /// Overloaded; retry after the given seconds.
        #[oai(status = 503)]
        Unavailable(ProblemJson, #[oai(header = "Retry-After")] u32),
    }

    problem_response!(TokenResponse, NotFound, UnsupportedMediaType, Unavailable);
}
