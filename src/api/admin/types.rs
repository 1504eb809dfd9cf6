//! Wire types of the admin surface, named as the FastAPI original names them.

use chrono::{DateTime, SecondsFormat, Utc};
use poem_openapi::{
    ApiResponse, Object,
    payload::Json,
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON},
};
use serde_json::Value;
use uuid::Uuid;

use super::errors::from_parse_error;
use crate::api::scalar_type::scalar_type;

/// A new user; `role` defaults to 'viewer'.
// Documented for the spec; the handler validates the raw JSON itself so that
// errors come out as pydantic's.
#[derive(Debug, Object)]
#[oai(rename = "AdminUserCreate")]
pub struct AdminUserCreate {
    /// Login username (3-150 chars). Must be unique across the system.
    #[oai(validator(
        min_length = 3,
        max_length = 150,
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f]+$"
    ))]
    pub username: String,
    /// Initial password (minimum 8 characters). The user can change this after first login.
    #[oai(validator(min_length = 8, max_length = 128))]
    pub password: String,
    #[oai(nullable)]
    pub email: Option<String>,
    pub role: Option<AdminRole>,
}

/// A partial update: only the fields present change.
#[derive(Debug, Object)]
#[oai(rename = "AdminUserUpdate")]
pub struct AdminUserUpdate {
    /// A new address, or `null` to remove it.
    #[oai(nullable)]
    pub email: Option<String>,
    /// A new password (same policy as at creation); activates a pending user.
    #[oai(validator(min_length = 8, max_length = 128))]
    pub password: Option<String>,
    /// The complete new set of roles.
    pub roles: Option<Vec<AdminRole>>,
    pub status: Option<AdminStatus>,
    /// `true` activates, `false` disables.
    pub is_active: Option<bool>,
}

/// User role: 'admin', 'editor', or 'viewer'.
// Described here rather than on the fields: OpenAPI 3.0 wraps a described `$ref`
// in `allOf`, which generators such as openapi-python-client refuse.
#[derive(Debug, poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
pub enum AdminRole {
    Admin,
    Editor,
    Viewer,
}

/// Account status: `active`, `pending` or `disabled`.
#[derive(Debug, poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
pub enum AdminStatus {
    Active,
    Pending,
    Disabled,
}

/// A timestamp as pydantic writes it: `2026-11-23T09:20:00.078894Z`.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp(pub DateTime<Utc>);

scalar_type!(
    Timestamp,
    "string_date-time",
    MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
);

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        let micros = self.0.timestamp_subsec_micros();
        let format = if micros == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Micros
        };
        Some(Value::String(self.0.to_rfc3339_opts(format, true)))
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => DateTime::parse_from_rfc3339(&text)
                .map(|at| Self(at.with_timezone(&Utc)))
                .map_err(ParseError::custom),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

#[derive(Debug, Object)]
#[oai(rename = "UserResponse")]
pub struct UserResponse {
    pub id: Uuid,
    pub username: String,
    #[oai(nullable)]
    pub email: Option<String>,
    pub is_active: bool,
    /// Account status: active, pending, disabled
    pub status: String,
    #[oai(nullable)]
    pub last_login_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Assigned role names, e.g. ['admin', 'editor']
    pub roles: Vec<String>,
}

/// One problem with the request, as pydantic reports it.
#[derive(Debug, Clone, Object)]
#[oai(rename = "ValidationError")]
pub struct ValidationError {
    /// Error Type
    #[oai(rename = "type")]
    pub kind: String,
    /// Location: `body`, `path` or `query`, then the field (and index).
    pub loc: Vec<Value>,
    /// Message
    pub msg: String,
    /// The offending input.
    pub input: Option<Value>,
    /// Context, such as the violated limit.
    #[oai(skip_serializing_if_is_none)]
    pub ctx: Option<Value>,
}

#[derive(Debug, Object)]
#[oai(rename = "HTTPValidationError")]
pub struct HttpValidationError {
    pub detail: Vec<ValidationError>,
}

/// Every other error: `{"detail": "..."}`.
#[derive(Debug, Object)]
#[oai(rename = "HTTPError")]
pub struct HttpError {
    pub detail: String,
}

macro_rules! reply {
    ($(#[$doc:meta])* $name:ident { $($body:tt)* }) => {
        $(#[$doc])*
        #[derive(Debug, ApiResponse)]
        #[oai(bad_request_handler = "from_parse_error")]
        pub enum $name {
            $($body)*
            /// Missing or invalid bearer token.
            #[oai(status = 401)]
            Unauthorized(Json<HttpError>, #[oai(header = "WWW-Authenticate")] String),
            /// The token is not a tenant admin's.
            #[oai(status = 403)]
            Forbidden(Json<HttpError>),
            /// Validation Error
            #[oai(status = 422)]
            Invalid(Json<HttpValidationError>),
            /// Unexpected failure; details are in the server's logs.
            #[oai(status = 500)]
            Internal(Json<HttpError>),
        }
    };
}

reply!(CreateReply {
    /// Successful Response
    #[oai(status = 201)]
    Created(Json<UserResponse>),
    /// The body could not be read (not UTF-8).
    #[oai(status = 400)]
    BadRequest(Json<HttpError>),
    /// The body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<HttpError>),
    /// The username (or email) is taken in this tenant.
    #[oai(status = 409)]
    Conflict(Json<HttpError>),
    /// Over the rate limit for this token's subject; retry after `Retry-After`
    /// seconds.
    #[oai(status = 429)]
    TooManyRequests(
        Json<HttpError>,
        #[oai(header = "Retry-After")] u64,
        #[oai(header = "RateLimit-Limit")] u32,
        #[oai(header = "RateLimit-Remaining")] u32,
        #[oai(header = "RateLimit-Reset")] u64,
    ),
    /// Too many password hashes in flight, or the database cannot be reached;
    /// retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<HttpError>, #[oai(header = "Retry-After")] u32),
});

reply!(ListReply {
    /// Successful Response
    #[oai(status = 200)]
    Ok(Json<Vec<UserResponse>>),
    /// The database cannot be reached now; retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<HttpError>, #[oai(header = "Retry-After")] u32),
});

reply!(GetReply {
    /// Successful Response
    #[oai(status = 200)]
    Ok(Json<UserResponse>),
    /// No such user in this tenant.
    #[oai(status = 404)]
    NotFound(Json<HttpError>),
    /// The database cannot be reached now; retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<HttpError>, #[oai(header = "Retry-After")] u32),
});

reply!(UpdateReply {
    /// Successful Response
    #[oai(status = 200)]
    Ok(Json<UserResponse>),
    /// The body could not be read (not UTF-8).
    #[oai(status = 400)]
    BadRequest(Json<HttpError>),
    /// The body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<HttpError>),
    /// No such user in this tenant.
    #[oai(status = 404)]
    NotFound(Json<HttpError>),
    /// The email is taken in this tenant.
    #[oai(status = 409)]
    Conflict(Json<HttpError>),
    /// Too many password hashes in flight, or the database cannot be reached;
    /// retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<HttpError>, #[oai(header = "Retry-After")] u32),
});

reply!(DeleteReply {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
    /// No such user in this tenant.
    #[oai(status = 404)]
    NotFound(Json<HttpError>),
    /// The database cannot be reached now; retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<HttpError>, #[oai(header = "Retry-After")] u32),
});
