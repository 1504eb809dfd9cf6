use poem_openapi::{ApiResponse, Object, payload::Json};

use super::errors::from_parse_error;
use crate::api::problem::ProblemJson;

/// The tenant's policy.
#[derive(Debug, Object)]
#[oai(rename = "TenantPolicy")]
pub struct PolicyBody {
    pub public_signup_enabled: bool,
    pub username_case_insensitive: bool,
    pub allowed_origins: Vec<String>,
    pub password_min_length: u32,
    pub password_min_classes: u8,
}

#[derive(Debug, Object)]
#[oai(rename = "Tenant")]
pub struct TenantBody {
    pub client_id: String,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub policy: PolicyBody,
}

#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "from_parse_error")]
pub enum TenantResponse {
    /// The caller's tenant.
    #[oai(status = 200)]
    Ok(Json<TenantBody>),
    /// Missing, invalid or expired bearer token.
    #[oai(status = 401)]
    Unauthorized(ProblemJson, #[oai(header = "WWW-Authenticate")] String),
    /// The token does not allow this operation.
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// Unexpected failure; details are in the server's logs under the request id.
    #[oai(status = 500)]
    Internal(ProblemJson),
}
