//! The one place where the sign-up surface turns failures into Rails-style errors.

use std::collections::BTreeMap;

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::{error::ContentTypeError, payload::Json};

use super::types::{ErrorResponse, SignUpResponse};
use crate::{
    api::{
        json_body::MalformedJson,
        rate_limit::{RETRY_SHORTLY_SECS, Refused},
    },
    domain::{
        FieldError, Problem,
        error::{Cause, Error},
    },
};

/// An answer of the HTTP layer itself: the router's 404 or 405, the body limit's 413 (see `api::edge_answer`).
pub fn edge_answer(status: StatusCode, message: &str) -> Response {
    ErrorResponse::one("base", message)
        .with_status(status)
        .with_header(poem::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .into_response()
}

/// Errors raised before the handler runs (content type, JSON syntax).
pub fn from_parse_error(err: poem::Error) -> SignUpResponse {
    if err.is::<ContentTypeError>() {
        SignUpResponse::UnsupportedMediaType(ErrorResponse::one(
            "base",
            "Content-Type must be application/json",
        ))
    } else if let Some(malformed) = err.downcast_ref::<MalformedJson>() {
        SignUpResponse::BadRequest(ErrorResponse::one(
            "base",
            format!(
                "is not valid JSON (line {}, column {})",
                malformed.line, malformed.column
            ),
        ))
    } else {
        SignUpResponse::BadRequest(ErrorResponse::one("base", "is not a valid request"))
    }
}

pub fn unprocessable(errors: &[FieldError]) -> SignUpResponse {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for error in errors {
        map.entry(error.field.to_string())
            .or_default()
            .push(message(&error.problem));
    }
    SignUpResponse::Unprocessable(Json(ErrorResponse { errors: map }))
}

pub fn not_an_object() -> SignUpResponse {
    SignUpResponse::BadRequest(ErrorResponse::one("base", "must be a JSON object"))
}

pub fn signup_disabled() -> SignUpResponse {
    SignUpResponse::Forbidden(ErrorResponse::one(
        "client_id",
        "does not accept public sign-ups",
    ))
}

pub fn invite_only() -> SignUpResponse {
    SignUpResponse::Forbidden(ErrorResponse::one(
        "client_id",
        "takes sign-ups by invitation only",
    ))
}

pub fn origin_not_allowed() -> SignUpResponse {
    SignUpResponse::Forbidden(ErrorResponse::one("origin", "is not allowed"))
}

pub fn invalid_client() -> SignUpResponse {
    SignUpResponse::Unauthorized(ErrorResponse::one("client_id", "is invalid"))
}

pub fn internal(err: &dyn std::error::Error) -> SignUpResponse {
    tracing::error!(error = %err, "sign-up failed");
    SignUpResponse::Internal(ErrorResponse::one("base", "internal error"))
}

/// The one mapping of the domain's failures to Rails-style answers.
impl From<Error> for SignUpResponse {
    fn from(err: Error) -> Self {
        let unavailable = |message: &str| {
            SignUpResponse::Unavailable(ErrorResponse::one("base", message), RETRY_SHORTLY_SECS)
        };
        match err {
            Error::Rejected(errors) => unprocessable(&errors),
            Error::RateLimited(decision) => {
                let refused = Refused::from(decision);
                SignUpResponse::TooManyRequests(
                    ErrorResponse::one("base", "too many sign-up attempts, retry later"),
                    refused.retry_after,
                    refused.limit,
                    refused.remaining,
                    refused.reset,
                )
            }
            Error::Overloaded => unavailable("too many sign-ups in progress, retry shortly"),
            Error::Unavailable(Cause::RateLimiter) => {
                unavailable("sign-up is unavailable, retry shortly")
            }
            Error::Unavailable(cause) => {
                tracing::warn!(?cause, "sign-up: unavailable");
                unavailable("is unavailable, retry shortly")
            }
            other => internal(&other),
        }
    }
}

/// Rails' ActiveModel wording.
fn message(problem: &Problem) -> String {
    match problem {
        Problem::Blank => "can't be blank".to_owned(),
        Problem::TooShort { min } => format!("is too short (minimum is {min} characters)"),
        Problem::TooLong { max } => format!("is too long (maximum is {max} characters)"),
        Problem::Invalid => "is invalid".to_owned(),
        Problem::TooWeak { min_classes } => format!(
            "must contain at least {min_classes} of: lowercase letters, uppercase letters, digits, symbols"
        ),
        Problem::Taken => "has already been taken".to_owned(),
        Problem::Required => "can't be blank".to_owned(),
        Problem::NotAllowed => "is not allowed".to_owned(),
        Problem::Expired => "is no longer valid".to_owned(),
    }
}
