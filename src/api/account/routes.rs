//! `POST /api/v2/account/create/`: authorize, parse, hand over to the pipeline.

use std::collections::BTreeMap;

use poem::{Request, web::Data};
use poem_openapi::{OpenApi, param::Header, payload::Json};

use super::{
    requests,
    types::{AccountCreate, AccountUser, CreateAccountResponse},
};
use crate::{
    api::{
        bearer::{OAuth2Bearer, authorize},
        json_body::RawJson,
        problem::errors::{Failure, answer},
        rate_limit,
    },
    context::AppContext,
    domain::{Scope, tokens::Grantor, users::User},
};

pub struct AccountApi;

fn account_user(user: User) -> AccountUser {
    AccountUser {
        id: user.id,
        username: user.username,
        email: user.email,
        ext_id: user.ext_id,
        role: user.roles.first().map(|r| r.as_str().to_owned()),
        tags: user.tags,
        status: user.status.as_str().to_owned(),
        date_joined: user.created_at,
        metadata: match user.metadata {
            serde_json::Value::Object(map) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        },
    }
}

#[OpenApi]
impl AccountApi {
    /// Create an account
    ///
    /// Creates a user in the token's tenant. Only tenant admins may register users.
    /// Also served at the seeds' `/api/v2/account/create/` (trailing slash).
    #[oai(
        path = "/api/v2/account/create",
        method = "post",
        operation_id = "createAccount"
    )]
    async fn create(
        &self,
        ctx: Data<&AppContext>,
        req: &Request,
        auth: OAuth2Bearer,
        /// Send the same key again with a retry of this request to get its first
        /// answer back, not a second user (kept 24 hours).
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: RawJson<AccountCreate>,
    ) -> CreateAccountResponse {
        answer(
            async {
                let (caller, tenant) = authorize(&ctx, &auth, Scope::UsersWrite).await?;
                rate_limit::creation(&ctx.limits, req, &caller, &tenant).await?;
                let fields = ctx.registrar.custom_fields(&tenant).await?;
                let body = body.value().map_err(Failure::from_parse_error)?;
                let (new_user, extras) = requests::create(&tenant, &fields.definitions, &body)
                    .map_err(|errors| Failure::invalid(&errors))?;
                Ok(ctx
                    .registrar
                    .register_with(&tenant, new_user, extras, Grantor::Caller(&caller))
                    .await?)
            },
            |user| CreateAccountResponse::Created(Json(account_user(user))),
        )
        .await
    }
}
