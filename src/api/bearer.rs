//! The OAuth2 bearer security scheme the protected surfaces declare, so that Swagger
//! UI's "Authorize" button obtains a token from `/oauth/token`.

use poem_openapi::{OAuthScopes, SecurityScheme, auth::Bearer};

#[derive(OAuthScopes)]
pub enum ApiScopes {
    /// Read users of the tenant.
    #[oai(rename = "users:read")]
    UsersRead,
    /// Create and change users of the tenant.
    #[oai(rename = "users:write")]
    UsersWrite,
    /// Manage the tenant's policy, codes, tags and fields.
    #[oai(rename = "tenant:manage")]
    TenantManage,
}

/// `Authorization: Bearer <access token>`; verified by each operation, which knows
/// what it needs.
#[derive(SecurityScheme)]
#[oai(
    rename = "oauth2",
    ty = "oauth2",
    flows(
        password(token_url = "/oauth/token", scopes = "ApiScopes"),
        client_credentials(token_url = "/oauth/token", scopes = "ApiScopes")
    )
)]
pub struct OAuth2Bearer(pub Bearer);
