//! `/manage/v1/tenant`: read the tenant and change its policy.

use poem::web::Data;
use poem_openapi::{OpenApi, param::Header, payload::Json};
use serde_json::Value;

use super::{
    types::{
        PolicyBody, PolicyChange, RateQuota, TenantBody,
        replies::{PolicyUpdated, TenantResponse},
    },
    versions::{etag, if_match},
};
use crate::{
    api::{bearer::OAuth2Bearer, json_body::JsonBody, problem_failure::Failure},
    context::AppContext,
    domain::{self, FieldError, Problem, Scope, Tenant},
};

pub struct ManageApi;

/// The tenant the caller manages (`tenant:manage`, or a tenant admin).
pub async fn managed_tenant(ctx: &AppContext, auth: &OAuth2Bearer) -> Result<Tenant, Failure> {
    let (_, tenant) = ctx
        .tokens
        .authorize(&auth.0.token, Scope::TenantManage)
        .await?;
    tracing::Span::current().record("tenant", tenant.client_id.as_str());
    Ok(tenant)
}

fn tenant_body(tenant: &Tenant) -> TenantBody {
    let policy = tenant.policy.clone();
    TenantBody {
        client_id: tenant.client_id.to_string(),
        name: tenant.name.clone(),
        created_at: tenant.created_at,
        policy: PolicyBody {
            public_signup_enabled: policy.public_signup_enabled,
            username_case_insensitive: policy.username_case_insensitive,
            allowed_origins: policy.allowed_origins,
            password_min_length: u32::try_from(policy.password_min_length).unwrap_or(u32::MAX),
            password_min_classes: policy.password_min_classes,
            public_client: policy.public_client,
            require_email: policy.require_email,
            require_password: policy.require_password,
            invite_only: policy.invite_only,
            promo_codes_enabled: policy.promo_codes_enabled,
            rate_limits: policy
                .rate_limits
                .into_iter()
                .map(|(name, quota)| {
                    let quota = RateQuota {
                        limit: quota.limit,
                        window_secs: quota.window_secs,
                    };
                    (name, quota)
                })
                .collect(),
        },
    }
}

#[OpenApi]
impl ManageApi {
    /// Read your tenant
    ///
    /// The caller's tenant and its policy.
    #[oai(path = "/manage/v1/tenant", method = "get", operation_id = "getTenant")]
    async fn get_tenant(&self, ctx: Data<&AppContext>, auth: OAuth2Bearer) -> TenantResponse {
        // The cached copy: this instance forgets it on every change, and the
        // change feed brings others' within a second. An `If-Match` is compared
        // with the stored version, so a stale one costs a 412, never a lost
        // update.
        match managed_tenant(&ctx, &auth).await {
            Ok(tenant) => TenantResponse::Ok(Json(tenant_body(&tenant)), etag(tenant.version)),
            Err(failure) => failure.into(),
        }
    }

    /// Change your tenant's policy
    ///
    /// Only the keys given change, merged into the policy as stored, so
    /// concurrent changes of different keys all land; with `If-Match` (the
    /// `ETag` of `GET /manage/v1/tenant`), nothing changes unless the policy is
    /// still that version (412 otherwise). `username_case_insensitive` can change
    /// only while the tenant has no users.
    #[oai(
        path = "/manage/v1/tenant/policy",
        method = "patch",
        operation_id = "updatePolicy"
    )]
    async fn update_policy(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        /// Change only this version of the policy (an `ETag`).
        #[oai(name = "If-Match")]
        expected: Header<Option<String>>,
        change: JsonBody<PolicyChange>,
    ) -> PolicyUpdated {
        let updated = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let change = match change.value().map_err(Failure::from_parse_error)? {
                Value::Object(keys) => domain::PolicyChange::from_json(keys)?,
                _ => {
                    return Err(Failure::invalid(&[FieldError::new(
                        "body",
                        Problem::Invalid,
                    )]));
                }
            };
            let expected = if_match(expected.0.as_deref())?;
            let now = ctx.clock.now();
            Ok(ctx
                .tenants
                .change_policy(&tenant, &change, expected, now)
                .await?)
        };
        match updated.await {
            Ok(tenant) => PolicyUpdated::Ok(Json(tenant_body(&tenant)), etag(tenant.version)),
            Err(failure) => failure.into(),
        }
    }
}
