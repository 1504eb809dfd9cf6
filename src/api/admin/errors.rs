//! The one place where the admin surface turns failures into FastAPI's answers:
//! `{"detail": "..."}`, or `{"detail": [...]}` for validation errors.

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::{error::AuthorizationError, payload::Json};

use super::{
    body::Unusable,
    pydantic::Errors,
    types::{
        CreateReply, DeleteReply, GetReply, HttpError, HttpValidationError, ListReply, UpdateReply,
    },
};
use crate::{
    api::rate_limit::{RETRY_SHORTLY_SECS, Refused},
    domain::{
        FieldError, Problem,
        error::{Cause, Error},
    },
};

/// A failed admin request, before it is put into an operation's response type.
pub enum Failure {
    /// A body FastAPI could not even read (400 "There was an error parsing the body").
    BadRequest(Json<HttpError>),
    Unauthorized(Json<HttpError>, String),
    Forbidden(Json<HttpError>),
    Invalid(Json<HttpValidationError>),
    NotFound(Json<HttpError>),
    Conflict(Json<HttpError>),
    TooManyRequests(Json<HttpError>, u64, u32, u32, u64),
    Unavailable(Json<HttpError>, u32),
    Internal(Json<HttpError>),
}

fn detail(text: &str) -> Json<HttpError> {
    Json(HttpError {
        detail: text.to_owned(),
    })
}

impl Failure {
    pub fn not_found() -> Self {
        Failure::NotFound(detail("User not found"))
    }

    pub fn internal(err: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %err, "admin request failed");
        Failure::Internal(detail("Internal Server Error"))
    }

    /// What the domain refused after validation: a value another user holds
    /// (409), or a role the caller may not grant (403, as FastAPI's dependency
    /// that checks the caller's rights answers).
    fn rejected(field: &FieldError) -> Self {
        match field.problem {
            Problem::Taken => {
                let what = if field.field == "email" {
                    "Email"
                } else {
                    "Username"
                };
                Failure::Conflict(detail(&format!("{what} already exists")))
            }
            Problem::NotAllowed if field.field == "role" => {
                Failure::Forbidden(detail("Not enough permissions"))
            }
            _ => Failure::internal(&format!("unexpected rejection: {field:?}")),
        }
    }

    fn unavailable(err: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %err, "admin request: database unavailable");
        Failure::Unavailable(
            detail("Service temporarily unavailable, retry shortly"),
            RETRY_SHORTLY_SECS,
        )
    }

    fn overloaded() -> Self {
        Failure::Unavailable(
            detail("Too many requests in progress, retry shortly"),
            RETRY_SHORTLY_SECS,
        )
    }
}

impl From<Unusable> for Failure {
    fn from(unusable: Unusable) -> Self {
        match unusable {
            Unusable::Undecodable => {
                Failure::BadRequest(detail("There was an error parsing the body"))
            }
            Unusable::Malformed(errors) | Unusable::Missing(errors) => errors.into(),
        }
    }
}

impl From<Errors> for Failure {
    fn from(errors: Errors) -> Self {
        Failure::Invalid(Json(HttpValidationError { detail: errors.0 }))
    }
}

/// The one mapping of the domain's failures to FastAPI's answers.
impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        match err {
            Error::Rejected(fields) => match fields.first() {
                Some(field) => Failure::rejected(field),
                None => Failure::internal(&"a rejection without a reason"),
            },
            Error::NotFound(_) => Failure::not_found(),
            Error::Unauthenticated(_) => Failure::Unauthorized(
                detail("Not authenticated"),
                r#"Bearer error="invalid_token""#.to_owned(),
            ),
            Error::Forbidden(_) => Failure::Forbidden(detail("Not enough permissions")),
            Error::RateLimited(decision) => {
                let refused = Refused::from(decision);
                Failure::TooManyRequests(
                    detail("Too Many Requests"),
                    refused.retry_after,
                    refused.limit,
                    refused.remaining,
                    refused.reset,
                )
            }
            Error::Conflict => Failure::Conflict(detail("Conflict")),
            Error::Overloaded | Error::Unavailable(Cause::RateLimiter) => Failure::overloaded(),
            Error::Unavailable(cause) => Failure::unavailable(&format!("{cause:?}")),
            Error::Internal(reason) => Failure::internal(&reason),
        }
    }
}

/// An answer of the HTTP layer itself (see `api::edge_answer`), as Starlette words
/// them: `{"detail": "Not Found"}`, `{"detail": "Method Not Allowed"}`.
pub fn edge_answer(status: StatusCode, message: &str) -> Response {
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        // Only the Idempotency-Key is judged out there; FastAPI words a refused
        // header as a validation error.
        let mut errors = Errors::default();
        errors.push(
            "value_error",
            serde_json::json!(["header", "idempotency-key"]),
            format!("Value error, {message}"),
            serde_json::Value::Null,
            None,
        );
        return Json(HttpValidationError { detail: errors.0 })
            .with_status(status)
            .into_response();
    }
    detail(status.canonical_reason().unwrap_or("Error"))
        .with_status(status)
        .into_response()
}

/// Errors raised before a handler runs: a missing `Authorization: Bearer` header
/// (FastAPI's `HTTPBearer` answer), or a body that could not be read.
pub fn from_parse_error<T: From<Failure>>(err: poem::Error) -> T {
    if err.is::<AuthorizationError>() {
        Failure::Unauthorized(detail("Not authenticated"), "Bearer".to_owned()).into()
    } else {
        // The body could not be read (too large, or the connection broke).
        Failure::from(Unusable::Undecodable).into()
    }
}

macro_rules! from_failure {
    ($reply:ident { $($variant:ident($($field:ident),*)),* }) => {
        impl From<Failure> for $reply {
            fn from(failure: Failure) -> Self {
                match failure {
                    Failure::Unauthorized(body, challenge) => Self::Unauthorized(body, challenge),
                    Failure::Forbidden(body) => Self::Forbidden(body),
                    Failure::Invalid(body) => Self::Invalid(body),
                    Failure::Internal(body) => Self::Internal(body),
                    $(Failure::$variant($($field),*) => Self::$variant($($field),*),)*
                    #[allow(unreachable_patterns)]
                    _ => Self::Internal(detail("Internal Server Error")),
                }
            }
        }
    };
}

from_failure!(CreateReply {
    BadRequest(body),
    Conflict(body),
    TooManyRequests(body, retry, limit, remaining, reset),
    Unavailable(body, retry)
});
from_failure!(ListReply {
    Unavailable(body, retry)
});
from_failure!(GetReply {
    NotFound(body),
    Unavailable(body, retry)
});
from_failure!(UpdateReply {
    BadRequest(body),
    NotFound(body),
    Conflict(body),
    Unavailable(body, retry)
});
from_failure!(DeleteReply {
    NotFound(body),
    Unavailable(body, retry)
});

/// An operation's answer: `ok` made of what `work` returns, or its failure in
/// this surface's format.
pub async fn answer<T, R: From<Failure>>(
    work: impl Future<Output = Result<T, Failure>>,
    ok: impl FnOnce(T) -> R,
) -> R {
    match work.await {
        Ok(value) => ok(value),
        Err(failure) => failure.into(),
    }
}
