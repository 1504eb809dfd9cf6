//! The one place where the account surface turns failures into problem details.

use poem_openapi::error::{AuthorizationError, ContentTypeError};

use super::types::CreateAccountResponse;
use crate::{
    api::{
        problem::{FieldProblem, Problem as ProblemBody, ProblemJson},
        raw_json::MalformedJson,
    },
    domain::{FieldError, Problem, access::AccessError, registration::RegistrationError},
};

/// Seconds a shed request is told to wait.
const RETRY_AFTER_SECS: u32 = 1;

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

pub fn invalid(errors: &[FieldError]) -> CreateAccountResponse {
    CreateAccountResponse::BadRequest(ProblemJson(ProblemBody {
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

pub fn internal(err: &dyn std::fmt::Display) -> CreateAccountResponse {
    tracing::error!(error = %err, "account request failed");
    CreateAccountResponse::Internal(ProblemJson::new(500, "Internal Server Error", None))
}

/// Errors raised before the handler runs: bearer header, content type, JSON syntax.
pub fn from_parse_error(err: poem::Error) -> CreateAccountResponse {
    if err.is::<AuthorizationError>() {
        AccessError::InvalidToken.into()
    } else if err.is::<ContentTypeError>() {
        CreateAccountResponse::UnsupportedMediaType(ProblemJson::new(
            415,
            "Unsupported Media Type",
            "the body must be application/json".to_owned(),
        ))
    } else if let Some(malformed) = err.downcast_ref::<MalformedJson>() {
        CreateAccountResponse::BadRequest(ProblemJson::new(
            400,
            "Bad Request",
            format!(
                "the body is not valid JSON (line {}, column {})",
                malformed.line, malformed.column
            ),
        ))
    } else {
        CreateAccountResponse::BadRequest(ProblemJson::new(
            400,
            "Bad Request",
            "the request could not be read".to_owned(),
        ))
    }
}

impl From<AccessError> for CreateAccountResponse {
    fn from(err: AccessError) -> Self {
        let unauthorized = |detail: &str, description: &str| {
            CreateAccountResponse::Unauthorized(
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
            AccessError::Forbidden(scope) => CreateAccountResponse::Forbidden(ProblemJson::new(
                403,
                "Forbidden",
                format!("this operation needs a tenant admin or the {scope} scope"),
            )),
            AccessError::Internal(reason) => internal(&reason),
        }
    }
}

impl From<RegistrationError> for CreateAccountResponse {
    fn from(err: RegistrationError) -> Self {
        match err {
            RegistrationError::Rejected(errors) => invalid(&errors),
            RegistrationError::Overloaded => CreateAccountResponse::Unavailable(
                ProblemJson::new(
                    503,
                    "Service Unavailable",
                    "too many registrations in progress, retry shortly".to_owned(),
                ),
                RETRY_AFTER_SECS,
            ),
            RegistrationError::Hashing(reason) => internal(&reason),
            RegistrationError::Storage(err) => internal(&err),
        }
    }
}
