//! `/oauth/token`, `/.well-known/jwks.json`, `/.well-known/oauth-authorization-server`.

use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    payload::{Form, Json},
};

use super::{
    client_auth::{client_credentials, invalid_request},
    types::{
        IntrospectionEndpointResponse, IntrospectionResponse, Jwk, JwkSet,
        RevocationEndpointResponse, ServerMetadata, TokenEndpointResponse, TokenLookupRequest,
        TokenRequest, TokenResponse,
    },
};
use crate::{
    api::rate_limit,
    context::AppContext,
    domain::{
        FieldError, Problem, Scope, audit,
        error::{Credential, Error},
        tokens::TokenInfo,
        tokens::{AuthenticatedClient, IssuedTokens},
    },
};

pub struct OAuthApi;

#[OpenApi]
impl OAuthApi {
    /// Issue tokens
    ///
    /// RFC 6749 token endpoint for the `client_credentials`, `password` and
    /// `refresh_token` grants.
    #[oai(path = "/oauth/token", method = "post", operation_id = "token")]
    async fn token(
        &self,
        ctx: Data<&AppContext>,
        req: &Request,
        form: Form<TokenRequest>,
    ) -> TokenEndpointResponse {
        match issue(&ctx, req, &form).await {
            Ok(tokens) => TokenEndpointResponse::Ok(Json(TokenResponse {
                access_token: tokens.access_token,
                token_type: "Bearer".to_owned(),
                expires_in: tokens.expires_in,
                refresh_token: tokens.refresh_token,
                scope: tokens.scope,
            })),
            Err(err) => err.into(),
        }
    }

    /// Introspect a token
    ///
    /// RFC 7662. The client authenticates with its secret; tokens of other clients
    /// are reported as `{"active": false}`.
    #[oai(
        path = "/oauth/introspect",
        method = "post",
        operation_id = "introspect"
    )]
    async fn introspect(
        &self,
        ctx: Data<&AppContext>,
        req: &Request,
        form: Form<TokenLookupRequest>,
    ) -> IntrospectionEndpointResponse {
        let introspected = async {
            let client = authenticated_lookup(&ctx, req, &form).await?;
            if !client.confidential {
                return Err(Error::Unauthenticated(Credential::Client));
            }
            ctx.tokens.introspect(&client.tenant, &form.token).await
        };
        match introspected.await {
            Ok(info) => IntrospectionEndpointResponse::Ok(Json(
                info.map_or_else(IntrospectionResponse::default, introspection),
            )),
            Err(err) => err.into(),
        }
    }

    /// Revoke a token
    ///
    /// RFC 7009. Revoking a refresh token revokes every refresh token of the same
    /// login; revoking an access token denies it until it expires. Unknown or
    /// expired tokens are answered with 200 too.
    #[oai(path = "/oauth/revoke", method = "post", operation_id = "revoke")]
    async fn revoke(
        &self,
        ctx: Data<&AppContext>,
        req: &Request,
        form: Form<TokenLookupRequest>,
    ) -> RevocationEndpointResponse {
        let revoked = async {
            let client = authenticated_lookup(&ctx, req, &form).await?;
            ctx.tokens.revoke(&client.tenant, &form.token).await
        };
        match revoked.await {
            Ok(()) => RevocationEndpointResponse::Ok,
            Err(err) => err.into(),
        }
    }

    /// Signing keys
    ///
    /// The public keys that verify access tokens (RFC 7517).
    #[oai(path = "/.well-known/jwks.json", method = "get", operation_id = "jwks")]
    async fn jwks(&self, ctx: Data<&AppContext>) -> poem::Result<Json<JwkSet>> {
        let keys = ctx
            .tokens
            .keys()
            .public_keys()
            .map_err(poem::error::InternalServerError)?;
        Ok(Json(JwkSet {
            keys: keys
                .into_iter()
                .map(|key| Jwk {
                    kty: "OKP".to_owned(),
                    crv: "Ed25519".to_owned(),
                    x: key.x,
                    kid: key.kid,
                    alg: "EdDSA".to_owned(),
                    use_: "sig".to_owned(),
                })
                .collect(),
        }))
    }

    /// Server metadata
    ///
    /// RFC 8414 authorization server metadata.
    #[oai(
        path = "/.well-known/oauth-authorization-server",
        method = "get",
        operation_id = "serverMetadata"
    )]
    async fn metadata(&self, ctx: Data<&AppContext>) -> Json<ServerMetadata> {
        let issuer = ctx.tokens.issuer().trim_end_matches('/').to_owned();
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        let with_secret = ["client_secret_basic", "client_secret_post"];
        let with_secret_or_public = ["client_secret_basic", "client_secret_post", "none"];
        Json(ServerMetadata {
            token_endpoint: format!("{issuer}/oauth/token"),
            jwks_uri: format!("{issuer}/.well-known/jwks.json"),
            introspection_endpoint: format!("{issuer}/oauth/introspect"),
            revocation_endpoint: format!("{issuer}/oauth/revoke"),
            issuer,
            grant_types_supported: strings(&["client_credentials", "password", "refresh_token"]),
            token_endpoint_auth_methods_supported: strings(&with_secret_or_public),
            introspection_endpoint_auth_methods_supported: strings(&with_secret),
            revocation_endpoint_auth_methods_supported: strings(&with_secret_or_public),
            scopes_supported: Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
            response_types_supported: Vec::new(),
        })
    }
}

/// The client of an introspection or revocation. Its address holds one of
/// `token_per_ip` until the client has authenticated, so wrong secrets count
/// and a resource server's lookups do not.
async fn authenticated_lookup(
    ctx: &AppContext,
    req: &Request,
    form: &TokenLookupRequest,
) -> Result<AuthenticatedClient, Error> {
    let ip = rate_limit::client_ip(req, &ctx.limits);
    rate_limit::report(req, ctx.limits.lookup_attempt(ip).await?);
    let client = authenticate(ctx, req, &form.client_id, &form.client_secret).await?;
    ctx.limits.lookup_authenticated(ip).await?;
    Ok(client)
}

async fn authenticate(
    ctx: &AppContext,
    req: &Request,
    client_id: &Option<String>,
    client_secret: &Option<String>,
) -> Result<AuthenticatedClient, Error> {
    let credentials = client_credentials(req, client_id.as_deref(), client_secret.as_deref())?;
    let client = ctx.tokens.authenticate(&credentials).await?;
    tracing::Span::current().record("tenant", client.tenant.client_id.as_str());
    audit::set_actor("client".to_owned());
    Ok(client)
}

fn introspection(info: TokenInfo) -> IntrospectionResponse {
    IntrospectionResponse {
        active: true,
        token_type: Some(info.token_type.to_owned()),
        scope: Some(info.scope),
        client_id: Some(info.client_id),
        sub: Some(info.sub),
        aud: info.aud,
        iss: Some(info.iss),
        iat: Some(info.iat),
        exp: Some(info.exp),
        jti: info.jti,
    }
}

async fn issue(
    ctx: &AppContext,
    req: &Request,
    form: &TokenRequest,
) -> Result<IssuedTokens, Error> {
    let ip = rate_limit::client_ip(req, &ctx.limits);
    let per_ip = ctx.limits.token_attempt(ip).await?;
    let client = authenticate(ctx, req, &form.client_id, &form.client_secret).await?;
    let tenant = &client.tenant;
    let per_client = ctx.limits.token(tenant).await?;
    let tightest = match (per_ip, per_client) {
        (Some(ip), Some(client)) => Some(ip.tighter(client)),
        (ip, client) => ip.or(client),
    };
    rate_limit::report(req, tightest);
    let scope = form.scope.as_deref();
    match form.grant_type.as_str() {
        "client_credentials" => ctx.tokens.client_credentials(tenant, scope).await,
        "password" => {
            let (Some(username), Some(password)) = (&form.username, &form.password) else {
                return Err(invalid_request(
                    "username",
                    "the password grant needs username and password",
                ));
            };
            ctx.tokens.password(tenant, username, password, scope).await
        }
        "refresh_token" => {
            let token = form.refresh_token.as_deref().ok_or_else(|| {
                invalid_request(
                    "refresh_token",
                    "the refresh_token grant needs refresh_token",
                )
            })?;
            ctx.tokens.refresh(tenant, token, scope).await
        }
        _ => Err(Error::Rejected(vec![FieldError::new(
            "grant_type",
            Problem::NotAllowed,
        )])),
    }
}
