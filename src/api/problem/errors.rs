//! What the surfaces that answer RFC 9457 problem details (account, sso, manage)
//! share: the one mapping of failures to problems, and the response variants it
//! fills.

use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseParamError, ParseRequestPayloadError,
};

use crate::{
    api::{
        json_body::MalformedJson,
        problem::{FieldProblem, ProblemJson},
        rate_limit::{self, Refused},
    },
    domain::{
        FieldError,
        error::{Cause, Credential, Denied, Error},
    },
};

/// A failed request, before it is put into an operation's response type (each
/// has the variants of the same names).
pub enum Failure {
    BadRequest(ProblemJson),
    Unauthorized(ProblemJson, String),
    Forbidden(ProblemJson),
    UnsupportedMediaType(ProblemJson),
    NotFound(ProblemJson),
    /// An `If-Match` that names another version.
    PreconditionFailed(ProblemJson),
    /// More than an operation takes at once (its body is within the limit).
    PayloadTooLarge(ProblemJson),
    Internal(ProblemJson),
    /// Over a rate limit.
    TooManyRequests(Throttled),
    /// Overloaded; sent with `Retry-After`.
    Unavailable(ProblemJson),
}

/// A 429 problem and its headers.
pub struct Throttled {
    pub body: ProblemJson,
    pub refused: Refused,
}

impl Failure {
    pub fn too_large(detail: &str) -> Self {
        Failure::PayloadTooLarge(ProblemJson::new(
            413,
            "Payload Too Large",
            Some(detail.to_owned()),
        ))
    }

    pub fn not_found(what: &str) -> Self {
        Failure::NotFound(ProblemJson::new(
            404,
            "Not Found",
            format!("no such {what}"),
        ))
    }

    pub fn precondition_failed() -> Self {
        Failure::PreconditionFailed(ProblemJson::new(
            412,
            "Precondition Failed",
            "it changed since the version in If-Match: read it again".to_owned(),
        ))
    }

    pub fn invalid(errors: &[FieldError]) -> Self {
        Failure::BadRequest(ProblemJson::invalid_fields(errors))
    }

    /// The failure as a response of its own, for handlers that answer outside an
    /// operation's response type.
    pub fn into_problem_response(self) -> poem::Response {
        use poem::{IntoResponse, http::StatusCode};
        let (body, headers): (ProblemJson, Vec<(&str, String)>) = match self {
            Failure::BadRequest(body)
            | Failure::Forbidden(body)
            | Failure::UnsupportedMediaType(body)
            | Failure::NotFound(body)
            | Failure::PreconditionFailed(body)
            | Failure::PayloadTooLarge(body)
            | Failure::Internal(body) => (body, Vec::new()),
            Failure::Unauthorized(body, challenge) => (body, vec![("www-authenticate", challenge)]),
            Failure::TooManyRequests(Throttled { body, refused }) => (
                body,
                vec![
                    (rate_limit::RETRY_AFTER, refused.retry_after.to_string()),
                    (rate_limit::LIMIT, refused.limit.to_string()),
                    (rate_limit::REMAINING, refused.remaining.to_string()),
                    (rate_limit::RESET, refused.reset.to_string()),
                ],
            ),
            Failure::Unavailable(body) => (
                body,
                vec![(
                    rate_limit::RETRY_AFTER,
                    rate_limit::RETRY_SHORTLY_SECS.to_string(),
                )],
            ),
        };
        let status =
            StatusCode::from_u16(body.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = body.with_status(status).into_response();
        for (name, value) in headers {
            if let Ok(value) = poem::http::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }

    /// The database cannot be reached: 503, to be retried.
    pub fn unavailable(err: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %err, "request failed: database unavailable");
        Failure::Unavailable(ProblemJson::new(
            503,
            "Service Unavailable",
            "the service cannot reach its database, retry shortly".to_owned(),
        ))
    }

    pub fn internal(err: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %err, "request failed");
        Failure::Internal(ProblemJson::new(500, "Internal Server Error", None))
    }

    /// Errors raised before the handler runs: bearer header, content type, JSON syntax.
    pub fn from_parse_error(err: poem::Error) -> Self {
        if err.is::<AuthorizationError>() {
            Error::Unauthenticated(Credential::Token).into()
        } else if err.is::<ContentTypeError>() {
            Failure::UnsupportedMediaType(ProblemJson::new(
                415,
                "Unsupported Media Type",
                "the body must be application/json".to_owned(),
            ))
        } else if let Some(malformed) = err.downcast_ref::<MalformedJson>() {
            Failure::BadRequest(ProblemJson::new(
                400,
                "Bad Request",
                format!(
                    "the body is not valid JSON (line {}, column {})",
                    malformed.line, malformed.column
                ),
            ))
        } else if let Some(param) = err.downcast_ref::<ParseParamError>() {
            // A parameter out of its documented bounds, or not of its type.
            let reason: String = param.reason.chars().take(300).collect();
            let mut problem = ProblemJson::new(
                400,
                "Bad Request",
                format!("the parameter `{}` is invalid", param.name),
            );
            problem.0.errors.push(FieldProblem {
                field: param.name.to_owned(),
                code: "invalid".to_owned(),
                detail: format!("{} is invalid: {reason}", param.name),
            });
            Failure::BadRequest(problem)
        } else if let Some(mismatch) = err.downcast_ref::<ParseRequestPayloadError>() {
            // poem-openapi names the expected type and the value found, not the field.
            let reason: String = mismatch.reason.chars().take(300).collect();
            Failure::BadRequest(ProblemJson::new(
                400,
                "Bad Request",
                format!("the body does not match its schema: {reason}"),
            ))
        } else {
            Failure::BadRequest(ProblemJson::new(
                400,
                "Bad Request",
                "the request could not be read".to_owned(),
            ))
        }
    }
}

/// The one mapping of the domain's failures to problem details.
impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        let problem =
            |status, title, detail: &str| ProblemJson::new(status, title, detail.to_owned());
        match err {
            Error::Rejected(errors) => Failure::invalid(&errors),
            Error::NotFound(what) => Failure::not_found(what),
            Error::Unauthenticated(Credential::ExpiredToken) => {
                unauthorized("the bearer token has expired", "the token has expired")
            }
            Error::Unauthenticated(_) => unauthorized(
                "a valid bearer token is required",
                "the token is missing or invalid",
            ),
            Error::Forbidden(denied) => Failure::Forbidden(problem(
                403,
                "Forbidden",
                &match denied {
                    Denied::MissingScope(scope) => {
                        format!("this operation needs a tenant admin or the {scope} scope")
                    }
                    Denied::Client(reason) => reason.to_owned(),
                    Denied::Scope => "a requested scope is not allowed".to_owned(),
                },
            )),
            Error::RateLimited(decision) => Failure::TooManyRequests(Throttled {
                body: problem(
                    429,
                    "Too Many Requests",
                    "too many requests, retry after the time in Retry-After",
                ),
                refused: decision.into(),
            }),
            Error::Conflict => Failure::precondition_failed(),
            Error::Overloaded => Failure::Unavailable(problem(
                503,
                "Service Unavailable",
                "too many registrations in progress, retry shortly",
            )),
            Error::Unavailable(Cause::RateLimiter) => Failure::Unavailable(problem(
                503,
                "Service Unavailable",
                "the service cannot take this request now, retry shortly",
            )),
            Error::Unavailable(cause) => Failure::unavailable(&format!("{cause:?}")),
            Error::Internal(reason) => Failure::internal(&reason),
        }
    }
}

/// A 401 with the bearer challenge of RFC 6750.
fn unauthorized(detail: &str, description: &str) -> Failure {
    Failure::Unauthorized(
        ProblemJson::new(401, "Unauthorized", detail.to_owned()),
        format!(
            r#"Bearer realm="portcullis", error="invalid_token", error_description="{description}""#
        ),
    )
}

/// An answer of the HTTP layer itself: the router's 404 or 405, the body limit's 413 (see `api::edge_answer`).
pub fn edge_answer(status: poem::http::StatusCode, message: &str) -> poem::Response {
    use poem::IntoResponse;
    let title = status.canonical_reason().unwrap_or("Error");
    ProblemJson::new(status.as_u16(), title, message.to_owned())
        .with_status(status)
        .into_response()
}

/// The bad-request handler of every problem+json response type.
pub fn from_parse_error<T: From<Failure>>(err: poem::Error) -> T {
    Failure::from_parse_error(err).into()
}

/// Fills an operation's response type from a [`Failure`]. Every response type has
/// `BadRequest`, `Unauthorized`, `Forbidden` and `Internal`; the optional
/// variants it has are listed, and a failure it cannot express becomes a 500.
macro_rules! problem_response {
    ($response:ident $(, $optional:ident)*) => {
        impl From<$crate::api::problem::errors::Failure> for $response {
            fn from(failure: $crate::api::problem::errors::Failure) -> Self {
                use $crate::api::problem::errors::Failure;
                match failure {
                    Failure::BadRequest(body) => Self::BadRequest(body),
                    Failure::Unauthorized(body, challenge) => Self::Unauthorized(body, challenge),
                    Failure::Forbidden(body) => Self::Forbidden(body),
                    Failure::Internal(body) => Self::Internal(body),
                    $(Failure::$optional(body) => $crate::api::problem::errors::problem_response!(@build $optional body),)*
                    #[allow(unreachable_patterns)]
                    _ => Self::Internal($crate::api::problem::ProblemJson::new(
                        500,
                        "Internal Server Error",
                        None,
                    )),
                }
            }
        }
    };
    (@build TooManyRequests $throttled:ident) => {
        Self::TooManyRequests(
            $throttled.body,
            $throttled.refused.retry_after,
            $throttled.refused.limit,
            $throttled.refused.remaining,
            $throttled.refused.reset,
        )
    };
    (@build Unavailable $body:ident) => {
        Self::Unavailable($body, $crate::api::rate_limit::RETRY_SHORTLY_SECS)
    };
    (@build $variant:ident $body:ident) => { Self::$variant($body) };
}
pub(crate) use problem_response;

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
