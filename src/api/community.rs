//! What the community API v2 surfaces (account, sso) share: the one mapping of
//! failures to RFC 9457 problem details, and the response variants it fills.

use poem_openapi::error::{AuthorizationError, ContentTypeError};

use crate::{
    api::{
        problem::{FieldProblem, Problem as ProblemBody, ProblemJson},
        raw_json::MalformedJson,
    },
    domain::{FieldError, Problem, access::AccessError, registration::RegistrationError},
};

/// Seconds a shed request is told to wait.
const RETRY_AFTER_SECS: u32 = 1;

/// A failed request, before it is put into an operation's response type (each
/// has the variants of the same names).
pub enum Failure {
    BadRequest(ProblemJson),
    Unauthorized(ProblemJson, String),
    Forbidden(ProblemJson),
    UnsupportedMediaType(ProblemJson),
    Internal(ProblemJson),
    Unavailable(ProblemJson, u32),
}

/// The machine-readable `code` of a field problem.
fn code(problem: &Problem) -> &'static str {
    match problem {
        Problem::Blank => "blank",
        Problem::Required => "required",
        Problem::TooShort { .. } => "too_short",
        Problem::TooLong { .. } => "too_long",
        Problem::Invalid => "invalid",
        Problem::TooWeak { .. } => "too_weak",
        Problem::Taken => "unique",
        Problem::NotAllowed => "not_allowed",
        Problem::Expired => "expired",
    }
}

impl Failure {
    pub fn invalid(errors: &[FieldError]) -> Self {
        Failure::BadRequest(ProblemJson(ProblemBody {
            problem_type: "about:blank".to_owned(),
            title: "Bad Request".to_owned(),
            status: 400,
            detail: Some("the request has invalid fields".to_owned()),
            errors: errors
                .iter()
                .map(|error| FieldProblem {
                    field: error.field.to_string(),
                    code: code(&error.problem).to_owned(),
                    detail: error.to_string(),
                })
                .collect(),
        }))
    }

    pub fn internal(err: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %err, "community API request failed");
        Failure::Internal(ProblemJson::new(500, "Internal Server Error", None))
    }

    /// Errors raised before the handler runs: bearer header, content type, JSON syntax.
    pub fn from_parse_error(err: &poem::Error) -> Self {
        if err.is::<AuthorizationError>() {
            AccessError::InvalidToken.into()
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
        } else {
            Failure::BadRequest(ProblemJson::new(
                400,
                "Bad Request",
                "the request could not be read".to_owned(),
            ))
        }
    }
}

impl From<AccessError> for Failure {
    fn from(err: AccessError) -> Self {
        let unauthorized = |detail: &str, description: &str| {
            Failure::Unauthorized(
                ProblemJson::new(401, "Unauthorized", detail.to_owned()),
                format!(
                    r#"Bearer realm="portcullis", error="invalid_token", error_description="{description}""#
                ),
            )
        };
        match err {
            AccessError::InvalidToken => unauthorized(
                "a valid bearer token is required",
                "the token is missing or invalid",
            ),
            AccessError::ExpiredToken => {
                unauthorized("the bearer token has expired", "the token has expired")
            }
            AccessError::Forbidden(scope) => Failure::Forbidden(ProblemJson::new(
                403,
                "Forbidden",
                format!("this operation needs a tenant admin or the {scope} scope"),
            )),
            AccessError::Internal(reason) => Failure::internal(&reason),
        }
    }
}

impl From<RegistrationError> for Failure {
    fn from(err: RegistrationError) -> Self {
        match err {
            RegistrationError::Rejected(errors) => Failure::invalid(&errors),
            RegistrationError::Overloaded => Failure::Unavailable(
                ProblemJson::new(
                    503,
                    "Service Unavailable",
                    "too many registrations in progress, retry shortly".to_owned(),
                ),
                RETRY_AFTER_SECS,
            ),
            RegistrationError::Hashing(reason) => Failure::internal(&reason),
            RegistrationError::Storage(err) => Failure::internal(&err),
        }
    }
}

/// Fills an operation's response type from a [`Failure`], and makes
/// `from_parse_error` its bad-request handler.
macro_rules! problem_response {
    ($response:ident) => {
        impl From<$crate::api::community::Failure> for $response {
            fn from(failure: $crate::api::community::Failure) -> Self {
                use $crate::api::community::Failure;
                match failure {
                    Failure::BadRequest(body) => Self::BadRequest(body),
                    Failure::Unauthorized(body, challenge) => Self::Unauthorized(body, challenge),
                    Failure::Forbidden(body) => Self::Forbidden(body),
                    Failure::UnsupportedMediaType(body) => Self::UnsupportedMediaType(body),
                    Failure::Internal(body) => Self::Internal(body),
                    Failure::Unavailable(body, retry) => Self::Unavailable(body, retry),
                }
            }
        }

        pub fn from_parse_error(err: poem::Error) -> $response {
            $crate::api::community::Failure::from_parse_error(&err).into()
        }
    };
}
pub(crate) use problem_response;
