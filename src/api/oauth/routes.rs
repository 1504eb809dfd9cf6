//! `/oauth/token`, `/.well-known/jwks.json`, `/.well-known/oauth-authorization-server`.

use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    payload::{Form, Json},
};

use super::{
    client_auth::client_credentials,
    types::{Jwk, JwkSet, ServerMetadata, TokenEndpointResponse, TokenRequest, TokenResponse},
};
use crate::{
    context::AppContext,
    domain::{
        Scope,
        oauth::{IssuedTokens, OAuthError},
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
        Json(ServerMetadata {
            token_endpoint: format!("{issuer}/oauth/token"),
            jwks_uri: format!("{issuer}/.well-known/jwks.json"),
            issuer,
            grant_types_supported: strings(&["client_credentials", "password", "refresh_token"]),
            token_endpoint_auth_methods_supported: strings(&[
                "client_secret_basic",
                "client_secret_post",
            ]),
            scopes_supported: Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
            response_types_supported: Vec::new(),
        })
    }
}

async fn issue(
    ctx: &AppContext,
    req: &Request,
    form: &TokenRequest,
) -> Result<IssuedTokens, OAuthError> {
    let credentials = client_credentials(
        req,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let tenant = ctx.tokens.authenticate(&credentials).await?;
    tracing::Span::current().record("tenant", tenant.client_id.as_str());
    let scope = form.scope.as_deref();
    match form.grant_type.as_str() {
        "client_credentials" => ctx.tokens.client_credentials(&tenant, scope).await,
        "password" => {
            let (Some(username), Some(password)) = (&form.username, &form.password) else {
                return Err(OAuthError::InvalidRequest(
                    "the password grant needs username and password".into(),
                ));
            };
            ctx.tokens
                .password(&tenant, username, password, scope)
                .await
        }
        "refresh_token" => {
            let token = form.refresh_token.as_deref().ok_or_else(|| {
                OAuthError::InvalidRequest("the refresh_token grant needs refresh_token".into())
            })?;
            ctx.tokens.refresh(&tenant, token, scope).await
        }
        _ => Err(OAuthError::UnsupportedGrantType),
    }
}
