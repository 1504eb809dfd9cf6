//! `/manage/v1/promo-codes`: create, list, read and change promo codes.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use super::{
    shared::{default_limit, defined, managed_tenant, reply},
    versions::{etag, if_match},
};
use crate::{
    api::{
        bearer::OAuth2Bearer,
        json_body::JsonBody,
        json_string::JsonString,
        problem::ProblemJson,
        problem::errors::{Failure, answer, from_parse_error},
    },
    context::AppContext,
    domain::{
        Page,
        tenants::catalog::{self, PromoChange, PromoLimits},
        values,
    },
};

pub struct PromosApi;

#[OpenApi]
impl PromosApi {
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
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let body = body.decode().map_err(Failure::from_parse_error)?;
                let limits = PromoLimits {
                    max_redemptions: body.max_redemptions,
                    valid_from: body.valid_from,
                    valid_until: body.valid_until,
                };
                let now = ctx.clock.now();
                Ok(catalog::create_promo(&ctx.db, &tenant, &body.code, limits, now).await?)
            },
            |model| PromoOne::Created(Json(model.into())),
        )
        .await
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
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let page = Page {
                    skip: skip.0,
                    limit: limit.0,
                };
                Ok(catalog::list_promos(&ctx.db, &tenant, page).await?)
            },
            |codes| PromoList::Ok(Json(codes.into_iter().map(PromoCode::from).collect())),
        )
        .await
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
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                Ok(catalog::promo(&ctx.db, &tenant, id.0).await?)
            },
            |model| {
                let etag = etag(model.version);
                PromoOne::Ok(Json(model.into()), etag)
            },
        )
        .await
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
        answer(
            async {
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
                Ok(catalog::update_promo(&ctx.db, &tenant, id.0, change, expected, now).await?)
            },
            |model| {
                let etag = etag(model.version);
                PromoOne::Ok(Json(model.into()), etag)
            },
        )
        .await
    }
}

#[derive(Debug, Object)]
#[oai(rename = "PromoCodeCreate")]
pub struct PromoCreate {
    /// What users type; unique in the tenant.
    pub code: JsonString,
    /// Unlimited when absent or `null`.
    #[oai(nullable)]
    pub max_redemptions: Option<i32>,
    #[oai(nullable)]
    pub valid_from: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub valid_until: Option<DateTime<Utc>>,
}

/// What to change of a promo code: fields left out stay as they are; `null`
/// removes a limit.
#[derive(Debug, Object)]
#[oai(rename = "PromoCodeUpdate")]
pub struct PromoUpdate {
    /// `false` deactivates the code.
    #[oai(nullable)]
    pub active: Option<bool>,
    #[oai(nullable)]
    pub max_redemptions: MaybeUndefined<i32>,
    #[oai(nullable)]
    pub valid_from: MaybeUndefined<DateTime<Utc>>,
    #[oai(nullable)]
    pub valid_until: MaybeUndefined<DateTime<Utc>>,
}

#[derive(Debug, Object)]
#[oai(rename = "PromoCode")]
pub struct PromoCode {
    pub id: i64,
    pub code: String,
    #[oai(nullable)]
    pub max_redemptions: Option<i32>,
    pub redemptions: i32,
    #[oai(nullable)]
    pub valid_from: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub valid_until: Option<DateTime<Utc>>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<values::PromoCode> for PromoCode {
    fn from(model: values::PromoCode) -> Self {
        Self {
            id: model.id,
            code: model.code,
            max_redemptions: model.limits.max_redemptions,
            redemptions: model.redemptions,
            valid_from: model.limits.valid_from,
            valid_until: model.limits.valid_until,
            active: model.active,
            created_at: model.created_at,
        }
    }
}

reply!(takes_body PromoOne {
    /// The promo code; `ETag` is its version, for `If-Match`.
    #[oai(status = 200)]
    Ok(Json<PromoCode>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<PromoCode>),
    /// No such promo code in your tenant.
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// `If-Match` names another version: read the code again.
    #[oai(status = 412)]
    PreconditionFailed(ProblemJson),
}, NotFound, PreconditionFailed);

reply!(PromoList {
    /// The tenant's promo codes, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<PromoCode>>),
});
