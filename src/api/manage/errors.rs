//! The one place where the management surface turns failures into problem details.

use super::types::TenantResponse;
use crate::{api::problem::ProblemJson, domain::access::AccessError};

/// Errors raised before the handler runs; for this surface only a missing
/// `Authorization: Bearer` header.
pub fn from_parse_error(_err: poem::Error) -> TenantResponse {
    AccessError::InvalidToken.into()
}

impl From<AccessError> for TenantResponse {
    fn from(err: AccessError) -> Self {
        let challenge = |description: &str| {
            format!(
                r#"Bearer realm="portcullis", error="invalid_token", error_description="{description}""#
            )
        };
        match err {
            AccessError::InvalidToken => TenantResponse::Unauthorized(
                ProblemJson::new(
                    401,
                    "Unauthorized",
                    "a valid bearer token is required".to_owned(),
                ),
                challenge("the token is missing or invalid"),
            ),
            AccessError::ExpiredToken => TenantResponse::Unauthorized(
                ProblemJson::new(
                    401,
                    "Unauthorized",
                    "the bearer token has expired".to_owned(),
                ),
                challenge("the token has expired"),
            ),
            AccessError::Forbidden(scope) => TenantResponse::Forbidden(ProblemJson::new(
                403,
                "Forbidden",
                format!("this operation needs a tenant admin or the {scope} scope"),
            )),
            AccessError::Internal(reason) => {
                tracing::error!(error = %reason, "bearer check failed");
                TenantResponse::Internal(ProblemJson::new(500, "Internal Server Error", None))
            }
        }
    }
}
