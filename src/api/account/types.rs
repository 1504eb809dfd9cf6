//! Wire types of the account surface.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Object, payload::Json, types::Example};
use serde_json::Value;

use crate::api::{
    problem::ProblemJson,
    problem::errors::{from_parse_error, problem_response},
};

/// The create request (seed 001; seed 000 when the tenant needs neither email nor
/// password). Custom fields the tenant defines go at the top level.
#[derive(Debug, Object)]
#[oai(rename = "AccountCreate", example)]
pub struct AccountCreate {
    /// Letters, digits, `_` and `-`; at most 255 characters; unique in the tenant.
    #[oai(validator(max_length = 255, pattern = r"^[A-Za-z0-9_-]+$"))]
    pub username: String,
    /// Required unless the tenant's `require_email` policy is off.
    pub email: Option<String>,
    /// 8 to 128 characters with 3 of: lowercase, uppercase, digits, symbols.
    /// Required unless the tenant's `require_password` policy is off; without it
    /// the user is `pending`.
    #[oai(validator(min_length = 8, max_length = 128))]
    pub password: Option<String>,
    /// Required when the tenant is invite-only; each use counts against its limit.
    #[oai(skip_serializing_if_is_none)]
    pub invite_code: Option<String>,
    /// Accepted when the tenant has promo codes enabled.
    #[oai(skip_serializing_if_is_none)]
    pub promo_code: Option<String>,
    /// The tenant's custom user fields.
    #[oai(flatten)]
    pub metadata: BTreeMap<String, Value>,
}

/// What Swagger UI's "Try it out" starts from.
impl Example for AccountCreate {
    fn example() -> Self {
        Self {
            username: "jane_doe".to_owned(),
            email: Some("jane@example.com".to_owned()),
            password: Some("Correct-Horse-9".to_owned()),
            invite_code: None,
            promo_code: None,
            metadata: BTreeMap::new(),
        }
    }
}

/// A registered user.
#[derive(Debug, Object)]
#[oai(rename = "User")]
pub struct AccountUser {
    /// The unique internal id of the user.
    pub id: i64,
    pub username: String,
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(nullable)]
    pub ext_id: Option<i64>,
    #[oai(nullable)]
    pub role: Option<String>,
    /// Ids of the tenant's tags.
    pub tags: Vec<i64>,
    /// `active`, or `pending` for a user without a password.
    pub status: String,
    pub date_joined: DateTime<Utc>,
    /// The tenant's custom user fields.
    #[oai(flatten)]
    pub metadata: BTreeMap<String, Value>,
}

#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "from_parse_error")]
pub enum CreateAccountResponse {
    /// The user was created.
    #[oai(status = 201)]
    Created(Json<AccountUser>),
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
    CreateAccountResponse,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable
);
