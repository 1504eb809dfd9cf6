//! The one place where the OAuth2 surface turns failures into RFC 6749 errors.

use poem_openapi::payload::Json;

use super::types::{OAuthErrorBody, TokenEndpointResponse};
use crate::domain::oauth::OAuthError;

fn body(error: &str, description: Option<&str>) -> Json<OAuthErrorBody> {
    Json(OAuthErrorBody {
        error: error.to_owned(),
        error_description: description.map(str::to_owned),
    })
}

/// Malformed forms and wrong content types, before the handler runs.
pub fn from_parse_error(err: poem::Error) -> TokenEndpointResponse {
    let description = format!("the request is not a valid token request: {err}");
    TokenEndpointResponse::BadRequest(body("invalid_request", Some(&description)))
}

impl From<OAuthError> for TokenEndpointResponse {
    fn from(err: OAuthError) -> Self {
        match err {
            OAuthError::InvalidRequest(reason) => {
                Self::BadRequest(body("invalid_request", Some(&reason)))
            }
            OAuthError::InvalidClient => Self::Unauthorized(
                body("invalid_client", Some("client authentication failed")),
                r#"Basic realm="portcullis", charset="UTF-8""#.to_owned(),
            ),
            OAuthError::InvalidGrant(reason) => {
                Self::BadRequest(body("invalid_grant", Some(reason)))
            }
            OAuthError::UnsupportedGrantType => Self::BadRequest(body(
                "unsupported_grant_type",
                Some("supported: client_credentials, password, refresh_token"),
            )),
            OAuthError::InvalidScope => Self::BadRequest(body(
                "invalid_scope",
                Some("a requested scope is unknown or not allowed for this client or user"),
            )),
            OAuthError::Overloaded => Self::Unavailable(
                body(
                    "temporarily_unavailable",
                    Some("too many logins in progress, retry shortly"),
                ),
                1,
            ),
            OAuthError::Internal(reason) => {
                tracing::error!(error = %reason, "token request failed");
                Self::Internal(body("server_error", None))
            }
        }
    }
}
