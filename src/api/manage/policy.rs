//! `/manage/v1/tenant`: read the tenant, and change its policy.

use std::{borrow::Cow, collections::BTreeMap};

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::Header,
    payload::Json,
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use super::{
    shared::{managed_tenant, reply},
    versions::{etag, if_match},
};
use crate::{
    api::{
        bearer::OAuth2Bearer,
        json_body::JsonBody,
        json_string::JsonString,
        problem::ProblemJson,
        problem::errors::{Failure, from_parse_error},
    },
    context::AppContext,
    domain::{self, FieldError, Problem, Tenant},
};

pub struct PolicyApi;

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
impl PolicyApi {
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

/// The tenant's policy.
#[derive(Debug, Object)]
#[oai(rename = "TenantPolicy")]
pub struct PolicyBody {
    pub public_signup_enabled: bool,
    pub username_case_insensitive: bool,
    pub allowed_origins: Vec<String>,
    pub password_min_length: u32,
    pub password_min_classes: u8,
    pub public_client: bool,
    pub require_email: bool,
    pub require_password: bool,
    pub invite_only: bool,
    pub promo_codes_enabled: bool,
    /// Quotas that replace the service's defaults for this tenant, by policy
    /// (`sign_up_per_ip`, `sign_up_per_tenant`, `create_per_subject`,
    /// `token_per_client`, `token_per_ip`, `login_failures`); a limit of 0 is off.
    pub rate_limits: BTreeMap<String, RateQuota>,
}

/// At most `limit` requests per `window_secs`.
#[derive(Debug, Object)]
#[oai(rename = "RateQuota")]
pub struct RateQuota {
    pub limit: u32,
    pub window_secs: u32,
}

/// A policy's new quota: `{"limit", "window_secs"}` as in the configuration file,
/// or its text form. (poem-openapi's `Union` would also call it an object.)
#[derive(Debug)]
pub enum QuotaSetting {
    /// `LIMIT/WINDOW_SECS` (e.g. `30/60`), `off`, or `default`.
    Text(String),
    Quota(RateQuota),
}

impl Type for QuotaSetting {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "QuotaSetting".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(Self::name().into_owned())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>(Self::name().into_owned(), |registry| {
            RateQuota::register(registry);
            MetaSchema {
                description: Some(
                    "A policy's quota: `{\"limit\", \"window_secs\"}` as in the configuration \
                     file (a limit of 0 is off), or text: `LIMIT/WINDOW_SECS` (e.g. `30/60`), \
                     `off`, or `default` to follow the service's configuration again.",
                ),
                one_of: vec![String::schema_ref(), RateQuota::schema_ref()],
                ..MetaSchema::ANY
            }
        });
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for QuotaSetting {
    fn parse_from_json(value: Option<serde_json::Value>) -> ParseResult<Self> {
        match value {
            Some(serde_json::Value::String(text)) => Ok(Self::Text(text)),
            Some(object @ serde_json::Value::Object(_)) => RateQuota::parse_from_json(Some(object))
                .map(Self::Quota)
                .map_err(ParseError::propagate),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for QuotaSetting {
    fn to_json(&self) -> Option<serde_json::Value> {
        match self {
            Self::Text(text) => Some(serde_json::Value::String(text.clone())),
            Self::Quota(quota) => quota.to_json(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(rename = "Tenant")]
pub struct TenantBody {
    pub client_id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub policy: PolicyBody,
}

/// Policy keys to change, with their new values (booleans, numbers, or a list of
/// origins); keys left out or `null` keep their value.
#[derive(Debug, Object)]
#[oai(rename = "PolicyChange", deny_unknown_fields)]
pub struct PolicyChange {
    #[oai(nullable)]
    pub public_signup_enabled: Option<bool>,
    /// Only while the tenant has no users.
    #[oai(nullable)]
    pub username_case_insensitive: Option<bool>,
    #[oai(nullable)]
    pub allowed_origins: Option<Vec<JsonString>>,
    #[oai(nullable)]
    pub password_min_length: Option<u32>,
    #[oai(nullable)]
    pub password_min_classes: Option<u8>,
    #[oai(nullable)]
    pub public_client: Option<bool>,
    #[oai(nullable)]
    pub require_email: Option<bool>,
    #[oai(nullable)]
    pub require_password: Option<bool>,
    #[oai(nullable)]
    pub invite_only: Option<bool>,
    #[oai(nullable)]
    pub promo_codes_enabled: Option<bool>,
    /// New quotas by policy (`sign_up_per_ip`, `sign_up_per_tenant`,
    /// `create_per_subject`, `token_per_client`, `login_failures`).
    #[oai(nullable)]
    pub rate_limits: Option<BTreeMap<String, QuotaSetting>>,
}

reply!(TenantResponse {
    /// The caller's tenant; `ETag` is its version, for `If-Match`.
    #[oai(status = 200)]
    Ok(Json<TenantBody>, #[oai(header = "ETag")] String),
    /// The tenant is gone.
    #[oai(status = 404)]
    NotFound(ProblemJson),
}, NotFound);

reply!(takes_body PolicyUpdated {
    /// The caller's tenant, with the new policy and its new `ETag`.
    #[oai(status = 200)]
    Ok(Json<TenantBody>, #[oai(header = "ETag")] String),
    /// The tenant is gone.
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// `If-Match` names another version: read the tenant again.
    #[oai(status = 412)]
    PreconditionFailed(ProblemJson),
}, NotFound, PreconditionFailed);
