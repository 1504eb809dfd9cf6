//! `/manage/v1/tenant`.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};

use super::{
    errors::internal,
    types::{PolicyBody, TenantBody, TenantResponse},
};
use crate::{
    api::bearer::OAuth2Bearer,
    context::AppContext,
    domain::{Scope, access::AccessError},
};

pub struct ManageApi;

#[OpenApi]
impl ManageApi {
    /// Read your tenant
    ///
    /// The caller's tenant and its policy.
    #[oai(path = "/manage/v1/tenant", method = "get", operation_id = "getTenant")]
    async fn get_tenant(&self, ctx: Data<&AppContext>, auth: OAuth2Bearer) -> TenantResponse {
        let caller = match ctx.tokens.caller(&auth.0.token).await {
            Ok(caller) => caller,
            Err(err) => return err.into(),
        };
        if let Err(err) = caller.require(Scope::TenantManage) {
            return err.into();
        }
        // The (cached) tenant named by the token; a deleted or mismatched tenant
        // makes the token invalid.
        let tenant = match ctx.tenants.by_client_id(&caller.client_id).await {
            Ok(Some(tenant)) if tenant.id == caller.tenant_id => tenant,
            Ok(_) => return AccessError::InvalidToken.into(),
            Err(err) => return internal(&err),
        };
        let policy = tenant.policy;
        TenantResponse::Ok(Json(TenantBody {
            client_id: tenant.client_id.to_string(),
            name: tenant.name,
            created_at: tenant.created_at,
            policy: PolicyBody {
                public_signup_enabled: policy.public_signup_enabled,
                username_case_insensitive: policy.username_case_insensitive,
                allowed_origins: policy.allowed_origins,
                password_min_length: u32::try_from(policy.password_min_length).unwrap_or(u32::MAX),
                password_min_classes: policy.password_min_classes,
            },
        }))
    }
}
