//! `/manage/v1/tenant`.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};

use super::types::{PolicyBody, TenantBody, TenantResponse};
use crate::{api::bearer::OAuth2Bearer, context::AppContext, domain::Scope};

pub struct ManageApi;

#[OpenApi]
impl ManageApi {
    /// Read your tenant
    ///
    /// The caller's tenant and its policy.
    #[oai(path = "/manage/v1/tenant", method = "get", operation_id = "getTenant")]
    async fn get_tenant(&self, ctx: Data<&AppContext>, auth: OAuth2Bearer) -> TenantResponse {
        let tenant = match ctx
            .tokens
            .authorize(&auth.0.token, Scope::TenantManage)
            .await
        {
            Ok((_, tenant)) => tenant,
            Err(err) => return err.into(),
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
