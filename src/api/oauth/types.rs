//! Wire types of the OAuth2 surface.

use poem_openapi::{ApiResponse, Object, payload::Json};

use super::errors::{from_parse_error, introspection_parse_error, revocation_parse_error};

/// The token request (RFC 6749 sections 4.3, 4.4 and 6), form-encoded.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename = "TokenRequest")]
pub struct TokenRequest {
    /// `client_credentials`, `password` or `refresh_token`.
    pub grant_type: String,
    /// Space-separated: `users:read`, `users:write`, `tenant:manage`.
    pub scope: Option<String>,
    /// For the password grant.
    pub username: Option<String>,
    /// For the password grant.
    pub password: Option<String>,
    /// For the refresh_token grant.
    pub refresh_token: Option<String>,
    /// For `client_secret_post` (instead of HTTP Basic), or alone for a public client.
    pub client_id: Option<String>,
    /// For `client_secret_post` (instead of HTTP Basic).
    pub client_secret: Option<String>,
}

/// An introspection (RFC 7662) or revocation (RFC 7009) request, form-encoded.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename = "TokenLookupRequest")]
pub struct TokenLookupRequest {
    /// An access token or a refresh token of the authenticated client.
    pub token: String,
    /// `access_token` or `refresh_token`; the server recognises the token without it.
    pub token_type_hint: Option<String>,
    /// For `client_secret_post` (instead of HTTP Basic), or alone for a public client
    /// revoking its tokens.
    pub client_id: Option<String>,
    /// For `client_secret_post` (instead of HTTP Basic).
    pub client_secret: Option<String>,
}

/// RFC 7662 section 2.2: `{"active": false}` for a token that is unknown, expired,
/// revoked or another client's; the details for an active one.
#[derive(Debug, Object, Default)]
#[oai(rename = "IntrospectionResponse", skip_serializing_if_is_none)]
pub struct IntrospectionResponse {
    pub active: bool,
    /// `Bearer` or `refresh_token`.
    pub token_type: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    /// The user's id, or the client_id for the tenant's own tokens.
    pub sub: Option<String>,
    pub aud: Option<String>,
    pub iss: Option<String>,
    pub iat: Option<i64>,
    pub exp: Option<i64>,
    pub jti: Option<String>,
}

/// RFC 6749 section 5.1.
#[derive(Debug, Object)]
#[oai(rename = "TokenResponse")]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
    #[oai(skip_serializing_if_is_none)]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// RFC 6749 section 5.2.
#[derive(Debug, Object)]
#[oai(rename = "OAuthError")]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `temporarily_unavailable` or
    /// `server_error`.
    pub error: String,
    #[oai(skip_serializing_if_is_none)]
    pub error_description: Option<String>,
}

#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "from_parse_error")]
pub enum TokenEndpointResponse {
    /// Tokens issued.
    #[oai(status = 200)]
    Ok(Json<TokenResponse>),
    /// `invalid_request`, `invalid_grant`, `unsupported_grant_type` or `invalid_scope`.
    #[oai(status = 400)]
    BadRequest(Json<OAuthErrorBody>),
    /// `invalid_client`: unknown client or wrong secret.
    #[oai(status = 401)]
    Unauthorized(
        Json<OAuthErrorBody>,
        #[oai(header = "WWW-Authenticate")] String,
    ),
    /// `invalid_request`: the body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<OAuthErrorBody>),
    /// `server_error`.
    #[oai(status = 500)]
    Internal(Json<OAuthErrorBody>),
    /// `temporarily_unavailable`: over a rate limit (per client address, or per
    /// client); retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(
        Json<OAuthErrorBody>,
        #[oai(header = "Retry-After")] u64,
        #[oai(header = "RateLimit-Limit")] u32,
        #[oai(header = "RateLimit-Remaining")] u32,
        #[oai(header = "RateLimit-Reset")] u64,
    ),
    /// `temporarily_unavailable`: too many password checks in flight.
    #[oai(status = 503)]
    Unavailable(Json<OAuthErrorBody>, #[oai(header = "Retry-After")] u32),
}

#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "introspection_parse_error")]
pub enum IntrospectionEndpointResponse {
    /// Whether the token is active, and its details when it is.
    #[oai(status = 200)]
    Ok(Json<IntrospectionResponse>),
    /// `invalid_request`.
    #[oai(status = 400)]
    BadRequest(Json<OAuthErrorBody>),
    /// `invalid_client`: unknown client, wrong or missing secret.
    #[oai(status = 401)]
    Unauthorized(
        Json<OAuthErrorBody>,
        #[oai(header = "WWW-Authenticate")] String,
    ),
    /// `invalid_request`: the body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<OAuthErrorBody>),
    /// `server_error`.
    #[oai(status = 500)]
    Internal(Json<OAuthErrorBody>),
    /// `temporarily_unavailable`: over the per-address limit of the token
    /// endpoints; retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(
        Json<OAuthErrorBody>,
        #[oai(header = "Retry-After")] u64,
        #[oai(header = "RateLimit-Limit")] u32,
        #[oai(header = "RateLimit-Remaining")] u32,
        #[oai(header = "RateLimit-Reset")] u64,
    ),
    /// `temporarily_unavailable`: the database or the rate limiter cannot be
    /// reached now; retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<OAuthErrorBody>, #[oai(header = "Retry-After")] u32),
}

#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "revocation_parse_error")]
pub enum RevocationEndpointResponse {
    /// Revoked, or nothing to revoke (an unknown or expired token).
    #[oai(status = 200)]
    Ok,
    /// `invalid_request`, or `unauthorized_client` for another client's token.
    #[oai(status = 400)]
    BadRequest(Json<OAuthErrorBody>),
    /// `invalid_client`: unknown client or wrong secret.
    #[oai(status = 401)]
    Unauthorized(
        Json<OAuthErrorBody>,
        #[oai(header = "WWW-Authenticate")] String,
    ),
    /// `invalid_request`: the body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<OAuthErrorBody>),
    /// `server_error`.
    #[oai(status = 500)]
    Internal(Json<OAuthErrorBody>),
    /// `temporarily_unavailable`: over the per-address limit of the token
    /// endpoints; retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(
        Json<OAuthErrorBody>,
        #[oai(header = "Retry-After")] u64,
        #[oai(header = "RateLimit-Limit")] u32,
        #[oai(header = "RateLimit-Remaining")] u32,
        #[oai(header = "RateLimit-Reset")] u64,
    ),
    /// `temporarily_unavailable`: the database or the rate limiter cannot be
    /// reached now; retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<OAuthErrorBody>, #[oai(header = "Retry-After")] u32),
}

/// One public key of the JSON Web Key Set (RFC 7517, RFC 8037).
#[derive(Debug, Object)]
#[oai(rename = "Jwk")]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    pub x: String,
    pub kid: String,
    /// `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[oai(rename = "use")]
    pub use_: String,
}

#[derive(Debug, Object)]
#[oai(rename = "JwkSet")]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// RFC 8414 authorization server metadata.
#[derive(Debug, Object)]
#[oai(rename = "AuthorizationServerMetadata")]
pub struct ServerMetadata {
    pub issuer: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub grant_types_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub introspection_endpoint: String,
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub revocation_endpoint: String,
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
}
