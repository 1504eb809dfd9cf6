//! `/manage/v1/invite-codes`: issue, list and revoke invite codes.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::shared::{Deleted, default_limit, managed_tenant, reply};
use crate::{
    api::{
        bearer::OAuth2Bearer,
        json_body::JsonBody,
        problem::ProblemJson,
        problem::errors::{Failure, answer, from_parse_error},
    },
    context::AppContext,
    domain::{Page, tenants::catalog, values},
};

pub struct InvitesApi;

#[OpenApi]
impl InvitesApi {
    /// Create an invite code
    ///
    /// The code is in this answer only; it is stored hashed.
    #[oai(
        path = "/manage/v1/invite-codes",
        method = "post",
        operation_id = "createInviteCode"
    )]
    async fn create_invite(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        body: JsonBody<InviteCreate>,
    ) -> InviteCreated {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let body = body.decode().map_err(Failure::from_parse_error)?;
                let now = ctx.clock.now();
                Ok(
                    catalog::issue_invite(&ctx.db, &tenant, body.max_uses, body.expires_at, now)
                        .await?,
                )
            },
            |(code, model)| InviteCreated::Created(Json(InviteCode::from_model(model, Some(code)))),
        )
        .await
    }

    /// List invite codes
    #[oai(
        path = "/manage/v1/invite-codes",
        method = "get",
        operation_id = "listInviteCodes"
    )]
    async fn list_invites(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        /// How many items to skip (0 to 2147483647).
        #[oai(
            default,
            validator(minimum(value = "0"), maximum(value = "2147483647"))
        )]
        skip: Query<u64>,
        /// At most this many items (0 to 1000, default 100).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "0"), maximum(value = "1000"))
        )]
        limit: Query<u64>,
    ) -> InviteList {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let page = Page {
                    skip: skip.0,
                    limit: limit.0,
                };
                Ok(catalog::list_invites(&ctx.db, &tenant, page).await?)
            },
            |codes| {
                InviteList::Ok(Json(
                    codes
                        .into_iter()
                        .map(|model| InviteCode::from_model(model, None))
                        .collect(),
                ))
            },
        )
        .await
    }

    /// Revoke an invite code
    #[oai(
        path = "/manage/v1/invite-codes/:id",
        method = "delete",
        operation_id = "revokeInviteCode"
    )]
    async fn revoke_invite(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
    ) -> Deleted {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let now = ctx.clock.now();
                Ok(catalog::revoke_invite(&ctx.db, &tenant, id.0, now).await?)
            },
            |()| Deleted::NoContent,
        )
        .await
    }
}

#[derive(Debug, Object)]
#[oai(rename = "InviteCodeCreate")]
pub struct InviteCreate {
    /// How many registrations the code admits (default 1).
    #[oai(default = "one")]
    pub max_uses: i32,
    /// No expiry when absent or `null`.
    #[oai(nullable)]
    pub expires_at: Option<DateTime<Utc>>,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Object)]
#[oai(rename = "InviteCode")]
pub struct InviteCode {
    pub id: i64,
    /// The code itself: shown once, at creation; only its hash is kept.
    #[oai(skip_serializing_if_is_none)]
    pub code: Option<String>,
    pub max_uses: i32,
    pub uses: i32,
    #[oai(nullable)]
    pub expires_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl InviteCode {
    pub fn from_model(model: values::InviteCode, code: Option<String>) -> Self {
        Self {
            id: model.id,
            code,
            max_uses: model.max_uses,
            uses: model.uses,
            expires_at: model.expires_at,
            revoked_at: model.revoked_at,
            created_at: model.created_at,
        }
    }
}

reply!(takes_body InviteCreated {
    /// The code, shown this once.
    #[oai(status = 201)]
    Created(Json<InviteCode>),
});

reply!(InviteList {
    /// The tenant's invite codes, oldest first (without the codes).
    #[oai(status = 200)]
    Ok(Json<Vec<InviteCode>>),
});
