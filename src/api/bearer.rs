//! The OAuth2 bearer security scheme the protected surfaces declare, so that Swagger
//! UI's "Authorize" button obtains a token from `/oauth/token`, and the one check
//! of a bearer token every protected operation opens with.

use poem_openapi::{OAuthScopes, SecurityScheme, auth::Bearer};

use crate::{
    context::AppContext,
    domain::{Error, Scope, Tenant, tokens::Caller},
};

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

/// Who the bearer token names and the tenant it acts on, once the token allows
/// `needed` there; the tenant is recorded on the request's span for the logs.
pub async fn authorize(
    ctx: &AppContext,
    auth: &OAuth2Bearer,
    needed: Scope,
) -> Result<(Caller, Tenant), Error> {
    let (caller, tenant) = ctx.tokens.authorize(&auth.0.token, needed).await?;
    tracing::Span::current().record("tenant", tenant.client_id.as_str());
    Ok((caller, tenant))
}
