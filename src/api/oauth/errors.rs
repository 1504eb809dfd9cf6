//! The one place where the OAuth2 surface turns failures into RFC 6749 errors.

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::payload::Json;

use super::client_auth::invalid_request;
use super::types::{
    IntrospectionEndpointResponse, OAuthErrorBody, RevocationEndpointResponse,
    TokenEndpointResponse,
};
use crate::{
    api::rate_limit::Refused,
    domain::{
        Problem,
        error::{Cause, Credential, Denied, Error},
    },
};

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

/// The one mapping of the domain's failures to RFC 6749 errors.
impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        let unavailable =
            |message| Self::Unavailable(body("temporarily_unavailable", Some(message)));
        match err {
            Error::Rejected(fields) => match fields.first() {
                Some(field)
                    if field.field == "grant_type" && field.problem == Problem::NotAllowed =>
                {
                    Self::BadRequest(body(
                        "unsupported_grant_type",
                        Some("supported: client_credentials, password, refresh_token"),
                    ))
                }
                Some(field) => Self::BadRequest(body("invalid_request", Some(&field.to_string()))),
                None => Self::BadRequest(body("invalid_request", None)),
            },
            Error::Unauthenticated(Credential::Grant(reason)) => {
                Self::BadRequest(body("invalid_grant", Some(reason)))
            }
            Error::Unauthenticated(_) => {
                Self::Unauthorized(body("invalid_client", Some("client authentication failed")))
            }
            Error::Forbidden(Denied::Client(reason)) => {
                Self::BadRequest(body("unauthorized_client", Some(reason)))
            }
            Error::Forbidden(_) => Self::BadRequest(body(
                "invalid_scope",
                Some("a requested scope is unknown or not allowed for this client or user"),
            )),
            Error::RateLimited(decision) => Self::TooManyRequests(
                body(
                    "temporarily_unavailable",
                    Some("too many requests, retry after the time in Retry-After"),
                ),
                decision.into(),
            ),
            Error::Overloaded => unavailable("too many logins in progress, retry shortly"),
            Error::Unavailable(Cause::RateLimiter) => {
                unavailable("the rate limiter cannot be reached, retry shortly")
            }
            Error::Unavailable(_) => {
                unavailable("the service cannot reach its database, retry shortly")
            }
            Error::NotFound(_) | Error::Conflict | Error::Internal(_) => {
                tracing::error!(error = %err, "OAuth2 request failed");
                Self::Internal(body("server_error", None))
            }
        }
    }
}

/// Malformed forms and wrong content types, before the handler runs.
fn parse_failure(err: &poem::Error) -> Error {
    invalid_request("body", format!("the request is not a valid form: {err}"))
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
        impl From<Error> for $response {
            fn from(err: Error) -> Self {
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
                    Failure::Unavailable(body) => {
                        Self::Unavailable(body, $crate::api::rate_limit::RETRY_SHORTLY_SECS)
                    }
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
