//! `/api/v2/sso/signup/` and `/api/v2/sso/token/`.

use poem::{Request, web::Data};
use poem_openapi::{OpenApi, param::Header, payload::Json};

use super::{
    requests,
    types::{SignupResponse, SsoSignup, SsoTokenRequest, SsoTokens, SsoUser, token::TokenResponse},
};
use crate::{
    api::{
        bearer::{OAuth2Bearer, authorize},
        json_body::RawJson,
        problem::errors::{Failure, answer},
        rate_limit,
    },
    context::AppContext,
    domain::{
        Scope,
        error::{Denied, Error},
        tokens::Grantor,
        users::User,
    },
};

pub struct SsoApi;

fn sso_user(user: User) -> SsoUser {
    SsoUser {
        id: user.id,
        ext_id: user.ext_id,
        username: user.username,
        email: user.email,
        role: user.roles.first().map(|r| r.as_str().to_owned()),
        tags: Some(user.tags),
    }
}

#[OpenApi]
impl SsoApi {
    /// Signup
    ///
    /// Creates a user your backend knows by `ext_id`, with an optional role and tags.
    /// Also served at the seed's `/api/v2/sso/signup/` (trailing slash).
    #[oai(
        path = "/api/v2/sso/signup",
        method = "post",
        operation_id = "ssoSignup"
    )]
    async fn signup(
        &self,
        ctx: Data<&AppContext>,
        req: &Request,
        auth: OAuth2Bearer,
        /// Send the same key again with a retry of this request to get its first
        /// answer back, not a second user (kept 24 hours).
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: RawJson<SsoSignup>,
    ) -> SignupResponse {
        answer(
            async {
                let (caller, tenant) = authorize(&ctx, &auth, Scope::UsersWrite).await?;
                rate_limit::creation(&ctx.limits, req, &caller, &tenant).await?;
                let body = body.value().map_err(Failure::from_parse_error)?;
                let (new_user, extras) =
                    requests::signup(&tenant, &body).map_err(|errors| Failure::invalid(&errors))?;
                Ok(ctx
                    .registrar
                    .register_with(&tenant, new_user, extras, Grantor::Caller(&caller))
                    .await?)
            },
            |user| SignupResponse::Created(Json(sso_user(user))),
        )
        .await
    }

    /// Tokens for a user
    ///
    /// Your backend, with its client_credentials token (`users:write`), obtains an
    /// access and refresh token pair for one of its users by `user_id` or `ext_id`.
    #[oai(path = "/api/v2/sso/token", method = "post", operation_id = "ssoToken")]
    async fn token(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        body: RawJson<SsoTokenRequest>,
    ) -> TokenResponse {
        answer(
            async {
                let (caller, tenant) = authorize(&ctx, &auth, Scope::UsersWrite).await?;
                if caller.user_id.is_some() {
                    return Err(Failure::from(Error::Forbidden(Denied::MissingScope(
                        Scope::UsersWrite,
                    ))));
                }
                let body = body.value().map_err(Failure::from_parse_error)?;
                let user = requests::token(&body).map_err(|errors| Failure::invalid(&errors))?;
                Ok(ctx.tokens.sso_tokens(&tenant, user, &caller.scopes).await?)
            },
            |tokens| {
                TokenResponse::Ok(
                    Json(SsoTokens {
                        access_token: tokens.access_token,
                        token_type: "Bearer".to_owned(),
                        expires_in: tokens.expires_in,
                        refresh_token: tokens.refresh_token.unwrap_or_default(),
                        scope: tokens.scope,
                    }),
                    "no-store".to_owned(),
                )
            },
        )
        .await
    }
}
