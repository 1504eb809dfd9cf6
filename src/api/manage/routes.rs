//! `/manage/v1/tenant`: read the tenant and change its policy.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};

use super::types::{
    PolicyBody, PolicyChange, QuotaSetting, RateQuota, TenantBody,
    replies::{PolicyUpdated, TenantResponse},
};
use crate::{
    api::{
        bearer::OAuth2Bearer, json_body::JsonBody, json_string::JsonString,
        problem_failure::Failure,
    },
    context::AppContext,
    domain::{
        Scope, Tenant, TenantPolicy,
        tenant::{PolicyError, RATE_LIMIT_PREFIX},
    },
    ratelimit::Quota,
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

fn tenant_body(tenant: Tenant) -> TenantBody {
    let policy = tenant.policy;
    TenantBody {
        client_id: tenant.client_id.to_string(),
        name: tenant.name,
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

/// The policy with the change applied, each key checked as `tenant set` checks it.
fn changed(policy: &TenantPolicy, change: &PolicyChange) -> Result<TenantPolicy, PolicyError> {
    let mut policy = policy.clone();
    let flags = [
        ("public_signup_enabled", change.public_signup_enabled),
        (
            "username_case_insensitive",
            change.username_case_insensitive,
        ),
        ("public_client", change.public_client),
        ("require_email", change.require_email),
        ("require_password", change.require_password),
        ("invite_only", change.invite_only),
        ("promo_codes_enabled", change.promo_codes_enabled),
    ];
    for (key, value) in flags {
        if let Some(value) = value {
            policy.set(key, &value.to_string())?;
        }
    }
    if let Some(origins) = &change.allowed_origins {
        policy.set(
            "allowed_origins",
            &JsonString::strings(origins.clone()).join(","),
        )?;
    }
    if let Some(length) = change.password_min_length {
        policy.set("password_min_length", &length.to_string())?;
    }
    if let Some(classes) = change.password_min_classes {
        policy.set("password_min_classes", &classes.to_string())?;
    }
    for (name, setting) in change.rate_limits.iter().flatten() {
        match setting {
            QuotaSetting::Text(text) => {
                policy.set(&format!("{RATE_LIMIT_PREFIX}{name}"), text)?;
            }
            QuotaSetting::Quota(quota) => {
                policy.set_quota(name, Quota::new(quota.limit, quota.window_secs))?;
            }
        }
    }
    Ok(policy)
}

#[OpenApi]
impl ManageApi {
    /// Read your tenant
    ///
    /// The caller's tenant and its policy.
    #[oai(path = "/manage/v1/tenant", method = "get", operation_id = "getTenant")]
    async fn get_tenant(&self, ctx: Data<&AppContext>, auth: OAuth2Bearer) -> TenantResponse {
        match managed_tenant(&ctx, &auth).await {
            Ok(tenant) => TenantResponse::Ok(Json(tenant_body(tenant))),
            Err(failure) => failure.into(),
        }
    }

    /// Change your tenant's policy
    ///
    /// Only the keys given change. `username_case_insensitive` can change only
    /// while the tenant has no users.
    #[oai(
        path = "/manage/v1/tenant/policy",
        method = "patch",
        operation_id = "updatePolicy"
    )]
    async fn update_policy(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        change: JsonBody<PolicyChange>,
    ) -> PolicyUpdated {
        let updated = async {
            let mut tenant = managed_tenant(&ctx, &auth).await?;
            let change = change.decode().map_err(Failure::from_parse_error)?;
            let policy = changed(&tenant.policy, &change)?;
            ctx.tenants.update_policy(&tenant, &policy).await?;
            tenant.policy = policy;
            Ok::<_, Failure>(tenant)
        };
        match updated.await {
            Ok(tenant) => PolicyUpdated::Ok(Json(tenant_body(tenant))),
            Err(failure) => failure.into(),
        }
    }
}
