//! RFC 9457 problem details (`application/problem+json`), the error format of the
//! community API v2 (account, SSO) and management surfaces; `errors` maps the
//! domain's failures to them, once for the three.

pub mod errors;

use poem::{IntoResponse, Response, http::header};
use poem_openapi::{
    Object,
    payload::Payload,
    registry::{MetaSchemaRef, Registry},
    types::{ToJSON, Type},
};

/// One problem with one request field.
#[derive(Debug, Clone, Object)]
#[oai(rename = "FieldProblem")]
pub struct FieldProblem {
    pub field: String,
    /// Machine-readable: `required`, `invalid`, `unique`, `too_long`, ...
    pub code: String,
    pub detail: String,
}

/// RFC 9457 problem details, with the offending fields listed in `errors`.
#[derive(Debug, Clone, Object)]
#[oai(rename = "Problem")]
pub struct ProblemDetails {
    /// A URI naming the problem type; `about:blank` when the status says it all.
    #[oai(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    pub errors: Vec<FieldProblem>,
}

/// The machine-readable `code` of a field problem.
fn code(problem: &crate::domain::Problem) -> &'static str {
    use crate::domain::Problem;
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

impl ProblemJson {
    /// 400 naming each invalid field.
    pub fn invalid_fields(errors: &[crate::domain::FieldError]) -> Self {
        Self(ProblemDetails {
            problem_type: "about:blank".to_owned(),
            title: "Bad Request".to_owned(),
            status: 400,
            detail: Some("the request has invalid fields".to_owned()),
            errors: errors.iter().map(FieldProblem::from).collect(),
        })
    }

    pub fn new(status: u16, title: &str, detail: impl Into<Option<String>>) -> Self {
        Self(ProblemDetails {
            problem_type: "about:blank".to_owned(),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            errors: Vec::new(),
        })
    }
}

impl From<&crate::domain::FieldError> for FieldProblem {
    fn from(error: &crate::domain::FieldError) -> Self {
        FieldProblem {
            field: error.field.to_string(),
            code: code(&error.problem).to_owned(),
            detail: error.to_string(),
        }
    }
}

/// [`ProblemDetails`] sent as `application/problem+json`.
#[derive(Debug, Clone)]
pub struct ProblemJson(pub ProblemDetails);

impl Payload for ProblemJson {
    const CONTENT_TYPE: &'static str = "application/problem+json";

    fn schema_ref() -> MetaSchemaRef {
        ProblemDetails::schema_ref()
    }

    fn register(registry: &mut Registry) {
        ProblemDetails::register(registry);
    }
}

impl IntoResponse for ProblemJson {
    fn into_response(self) -> Response {
        let body = self.0.to_json_string();
        Response::builder()
            .header(header::CONTENT_TYPE, Self::CONTENT_TYPE)
            .body(body)
    }
}
