//! `/manage/v1/invite-codes` and `/manage/v1/promo-codes`.

use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use super::{
    routes::managed_tenant,
    types::{
        InviteCode, InviteCreate, PromoCode, PromoCreate, PromoUpdate,
        replies::{Deleted, InviteCreated, InviteList, PromoList, PromoOne},
    },
    versions::{etag, if_match},
};
use crate::{
    api::{bearer::OAuth2Bearer, json_body::JsonBody, problem_failure::Failure},
    context::AppContext,
    domain::{
        Page,
        tenants::catalog::{self, PromoChange, PromoLimits},
    },
};

/// Page size when none is asked for (at most 1000 may be).
const DEFAULT_LIMIT: u64 = 100;

pub struct CodesApi;

#[OpenApi]
impl CodesApi {
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
        let created = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let body = body.decode().map_err(Failure::from_parse_error)?;
            let now = ctx.clock.now();
            Ok::<_, Failure>(
                catalog::issue_invite(&ctx.db, &tenant, body.max_uses, body.expires_at, now)
                    .await?,
            )
        };
        match created.await {
            Ok((code, model)) => {
                InviteCreated::Created(Json(InviteCode::from_model(model, Some(code))))
            }
            Err(failure) => failure.into(),
        }
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
        let listed = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let page = Page {
                skip: skip.0,
                limit: limit.0,
            };
            Ok::<_, Failure>(catalog::list_invites(&ctx.db, &tenant, page).await?)
        };
        match listed.await {
            Ok(codes) => InviteList::Ok(Json(
                codes
                    .into_iter()
                    .map(|model| InviteCode::from_model(model, None))
                    .collect(),
            )),
            Err(failure) => failure.into(),
        }
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
        let revoked = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let now = ctx.clock.now();
            Ok::<_, Failure>(catalog::revoke_invite(&ctx.db, &tenant, id.0, now).await?)
        };
        match revoked.await {
            Ok(()) => Deleted::NoContent,
            Err(failure) => failure.into(),
        }
    }

    /// Create a promo code
    #[oai(
        path = "/manage/v1/promo-codes",
        method = "post",
        operation_id = "createPromoCode"
    )]
    async fn create_promo(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        body: JsonBody<PromoCreate>,
    ) -> PromoOne {
        let created = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let body = body.decode().map_err(Failure::from_parse_error)?;
            let limits = PromoLimits {
                max_redemptions: body.max_redemptions,
                valid_from: body.valid_from,
                valid_until: body.valid_until,
            };
            let now = ctx.clock.now();
            Ok::<_, Failure>(
                catalog::create_promo(&ctx.db, &tenant, &body.code, limits, now).await?,
            )
        };
        match created.await {
            Ok(model) => PromoOne::Created(Json(model.into())),
            Err(failure) => failure.into(),
        }
    }

    /// List promo codes
    #[oai(
        path = "/manage/v1/promo-codes",
        method = "get",
        operation_id = "listPromoCodes"
    )]
    async fn list_promos(
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
    ) -> PromoList {
        let listed = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let page = Page {
                skip: skip.0,
                limit: limit.0,
            };
            Ok::<_, Failure>(catalog::list_promos(&ctx.db, &tenant, page).await?)
        };
        match listed.await {
            Ok(codes) => PromoList::Ok(Json(codes.into_iter().map(PromoCode::from).collect())),
            Err(failure) => failure.into(),
        }
    }

    /// Read a promo code
    ///
    /// With its `ETag`, for a change that must not overwrite another.
    #[oai(
        path = "/manage/v1/promo-codes/:id",
        method = "get",
        operation_id = "getPromoCode"
    )]
    async fn get_promo(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
    ) -> PromoOne {
        let found = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            Ok::<_, Failure>(catalog::promo(&ctx.db, &tenant, id.0).await?)
        };
        match found.await {
            Ok(model) => {
                let etag = etag(model.version);
                PromoOne::Ok(Json(model.into()), etag)
            }
            Err(failure) => failure.into(),
        }
    }

    /// Update or deactivate a promo code
    ///
    /// Only the fields given change (`null` removes a limit), merged into the
    /// code as stored; with `If-Match` (its `ETag`), nothing changes unless the
    /// code is still that version (412 otherwise).
    #[oai(
        path = "/manage/v1/promo-codes/:id",
        method = "patch",
        operation_id = "updatePromoCode"
    )]
    async fn update_promo(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
        /// Change only this version of the code (an `ETag`).
        #[oai(name = "If-Match")]
        expected: Header<Option<String>>,
        body: JsonBody<PromoUpdate>,
    ) -> PromoOne {
        let updated = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let body = body.decode().map_err(Failure::from_parse_error)?;
            let expected = if_match(expected.0.as_deref())?;
            let change = PromoChange {
                active: body.active,
                max_redemptions: defined(body.max_redemptions),
                valid_from: defined(body.valid_from),
                valid_until: defined(body.valid_until),
            };
            let now = ctx.clock.now();
            Ok::<_, Failure>(
                catalog::update_promo(&ctx.db, &tenant, id.0, change, expected, now).await?,
            )
        };
        match updated.await {
            Ok(model) => {
                let etag = etag(model.version);
                PromoOne::Ok(Json(model.into()), etag)
            }
            Err(failure) => failure.into(),
        }
    }
}

/// A partial update's field: absent leaves it, `null` removes it.
pub fn defined<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

pub fn default_limit() -> u64 {
    DEFAULT_LIMIT
}
