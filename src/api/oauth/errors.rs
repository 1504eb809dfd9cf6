//! The one place where the OAuth2 surface turns failures into RFC 6749 errors.

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::payload::Json;

use super::types::{
    IntrospectionEndpointResponse, OAuthErrorBody, RevocationEndpointResponse,
    TokenEndpointResponse,
};
use crate::{api::rate_limit::Refused, domain::oauth::OAuthError};

/// An answer of the HTTP layer itself: the router's 404 or 405, the body limit's 413 (see `api::edge_answer`).
pub fn edge_answer(status: StatusCode, message: &str) -> Response {
    body("invalid_request", Some(message))
        .with_status(status)
        .into_response()
}

/// The challenge sent with `invalid_client`.
const BASIC_CHALLENGE: &str = r#"Basic realm="portcullis", charset="UTF-8""#;

fn body(error: &str, description: Option<&str>) -> Json<OAuthErrorBody> {
    Json(OAuthErrorBody {
        error: error.to_owned(),
        error_description: description.map(str::to_owned),
    })
}

/// An error response, before it is put into an endpoint's response type.
enum Failure {
    BadRequest(Json<OAuthErrorBody>),
    Unauthorized(Json<OAuthErrorBody>),
    TooManyRequests(Json<OAuthErrorBody>, Refused),
    Unavailable(Json<OAuthErrorBody>),
    Internal(Json<OAuthErrorBody>),
}

impl From<OAuthError> for Failure {
    fn from(err: OAuthError) -> Self {
        match err {
            OAuthError::InvalidRequest(reason) => {
                Self::BadRequest(body("invalid_request", Some(&reason)))
            }
            OAuthError::InvalidClient => {
                Self::Unauthorized(body("invalid_client", Some("client authentication failed")))
            }
            OAuthError::UnauthorizedClient(reason) => {
                Self::BadRequest(body("unauthorized_client", Some(reason)))
            }
            OAuthError::InvalidGrant(reason) => {
                Self::BadRequest(body("invalid_grant", Some(reason)))
            }
            OAuthError::UnsupportedGrantType => Self::BadRequest(body(
                "unsupported_grant_type",
                Some("supported: client_credentials, password, refresh_token"),
            )),
            OAuthError::InvalidScope => Self::BadRequest(body(
                "invalid_scope",
                Some("a requested scope is unknown or not allowed for this client or user"),
            )),
            OAuthError::Overloaded => Self::Unavailable(body(
                "temporarily_unavailable",
                Some("too many logins in progress, retry shortly"),
            )),
            OAuthError::LimiterUnavailable => Self::Unavailable(body(
                "temporarily_unavailable",
                Some("the rate limiter cannot be reached, retry shortly"),
            )),
            OAuthError::Unavailable => Self::Unavailable(body(
                "temporarily_unavailable",
                Some("the service cannot reach its database, retry shortly"),
            )),
            OAuthError::RateLimited(decision) => Self::TooManyRequests(
                body(
                    "temporarily_unavailable",
                    Some("too many requests, retry after the time in Retry-After"),
                ),
                decision.into(),
            ),
            OAuthError::Internal(reason) => {
                tracing::error!(error = %reason, "OAuth2 request failed");
                Self::Internal(body("server_error", None))
            }
        }
    }
}

/// Malformed forms and wrong content types, before the handler runs.
fn parse_failure(err: &poem::Error) -> OAuthError {
    OAuthError::InvalidRequest(format!("the request is not a valid form: {err}"))
}

pub fn from_parse_error(err: poem::Error) -> TokenEndpointResponse {
    parse_failure(&err).into()
}

pub fn introspection_parse_error(err: poem::Error) -> IntrospectionEndpointResponse {
    parse_failure(&err).into()
}

pub fn revocation_parse_error(err: poem::Error) -> RevocationEndpointResponse {
    parse_failure(&err).into()
}

/// Every token endpoint answers failures alike.
macro_rules! from_oauth_error {
    ($($response:ty),+) => {$(
        impl From<OAuthError> for $response {
            fn from(err: OAuthError) -> Self {
                match Failure::from(err) {
                    Failure::BadRequest(body) => Self::BadRequest(body),
                    Failure::Unauthorized(body) => {
                        Self::Unauthorized(body, BASIC_CHALLENGE.to_owned())
                    }
                    Failure::TooManyRequests(body, refused) => Self::TooManyRequests(
                        body,
                        refused.retry_after,
                        refused.limit,
                        refused.remaining,
                        refused.reset,
                    ),
                    Failure::Unavailable(body) => Self::Unavailable(body, 1),
                    Failure::Internal(body) => Self::Internal(body),
                }
            }
        }
    )+};
}

from_oauth_error!(
    TokenEndpointResponse,
    IntrospectionEndpointResponse,
    RevocationEndpointResponse
);
