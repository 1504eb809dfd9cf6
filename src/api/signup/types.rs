//! Request and response bodies of `POST /sign-up`, as the public sign-up API document gives them.

use std::collections::BTreeMap;

use poem_openapi::{ApiResponse, Object, payload::Json, types::Example};

use super::errors::from_parse_error;

/// The body of `POST /sign-up`.
#[derive(Debug, Object)]
#[oai(rename = "SignUpRequest", example)]
pub struct SignUpRequest {
    /// Username: letters and digits of any script and symbols; no spaces. Unique
    /// within the client_id's namespace.
    #[oai(validator(max_length = 255))]
    pub username: String,
    /// Password, in clear (we hash it). At most 128 characters.
    #[oai(validator(max_length = 128))]
    pub password: String,
    /// The ID that identifies your app.
    pub client_id: String,
}

/// What Swagger UI's "Try it out" starts from.
impl Example for SignUpRequest {
    fn example() -> Self {
        Self {
            username: "jane_doe".to_owned(),
            password: "Correct-Horse-9".to_owned(),
            client_id: "YOUR_CLIENT_ID".to_owned(),
        }
    }
}

/// The created user.
#[derive(Debug, Object)]
#[oai(rename = "SignUpUser")]
pub struct SignUpUser {
    pub id: i64,
    pub username: String,
}

#[derive(Debug, Object)]
#[oai(rename = "SignUpResult")]
pub struct SignUpResult {
    pub user: SignUpUser,
}

/// Rails-style errors: each offending field (or `base`) with its messages.
#[derive(Debug, Object)]
#[oai(rename = "ErrorResponse")]
pub struct ErrorResponse {
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ErrorResponse {
    pub fn one(field: &str, message: impl Into<String>) -> Json<Self> {
        Json(Self {
            errors: BTreeMap::from([(field.to_owned(), vec![message.into()])]),
        })
    }
}

#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "from_parse_error")]
pub enum SignUpResponse {
    /// The user was created.
    #[oai(status = 200)]
    Ok(Json<SignUpResult>),
    /// The body is not a JSON object.
    #[oai(status = 400)]
    BadRequest(Json<ErrorResponse>),
    /// The client_id is unknown or malformed.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorResponse>),
    /// Sign-up is disabled for this client_id, the app takes sign-ups by
    /// invitation only, or the request's Origin is not allowed.
    #[oai(status = 403)]
    Forbidden(Json<ErrorResponse>),
    /// The body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorResponse>),
    /// A request with this `Idempotency-Key` is still being processed.
    #[oai(status = 409)]
    Conflict(Json<ErrorResponse>),
    /// The request is not `application/json`.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorResponse>),
    /// A field is missing, blank, invalid, or the username is taken; or the
    /// `Idempotency-Key` was used with another request.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorResponse>),
    /// Unexpected failure; details are in the server's logs under the request id.
    #[oai(status = 500)]
    Internal(Json<ErrorResponse>),
    /// Over a rate limit (per client IP, or per client_id); retry after
    /// `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(
        Json<ErrorResponse>,
        #[oai(header = "Retry-After")] u64,
        #[oai(header = "RateLimit-Limit")] u32,
        #[oai(header = "RateLimit-Remaining")] u32,
        #[oai(header = "RateLimit-Reset")] u64,
    ),
    /// Too many sign-ups in flight, or the rate limiter is unavailable; retry
    /// after the given number of seconds.
    #[oai(status = 503)]
    Unavailable(Json<ErrorResponse>, #[oai(header = "Retry-After")] u32),
}
