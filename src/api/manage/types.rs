//! Wire types of the management surface.

use std::{borrow::Cow, collections::BTreeMap};

use chrono::{DateTime, Utc};

use crate::domain::{audit::Recorded, values};
use poem_openapi::{
    ApiResponse, Object,
    payload::Json,
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{MaybeUndefined, ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};

use crate::api::{
    json_string::JsonString,
    problem::ProblemJson,
    problem_failure::{from_parse_error, problem_response},
};

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

#[derive(Debug, Object)]
#[oai(rename = "TagCreate")]
pub struct TagCreate {
    /// At most 100 characters; unique in the tenant.
    pub name: JsonString,
}

/// One change in the tenant, with who made it and how.
#[derive(Debug, Object)]
#[oai(rename = "AuditEvent")]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    #[oai(rename = "type")]
    pub event_type: String,
    pub actor: String,
    #[oai(nullable)]
    pub subject: Option<String>,
    pub surface: String,
    #[oai(nullable)]
    pub request_id: Option<String>,
    #[oai(nullable)]
    pub detail: Option<serde_json::Value>,
}

impl From<Recorded> for AuditEvent {
    fn from(model: Recorded) -> Self {
        Self {
            id: model.id,
            occurred_at: model.occurred_at,
            event_type: model.kind,
            actor: model.actor,
            subject: model.subject,
            surface: model.surface,
            request_id: model.request_id,
            detail: model.detail,
        }
    }
}

#[derive(Debug, Object)]
#[oai(rename = "Tag")]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<values::Tag> for Tag {
    fn from(model: values::Tag) -> Self {
        Self {
            id: model.id,
            name: model.name,
            created_at: model.created_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(rename = "CustomFieldCreate")]
pub struct FieldCreate {
    /// `[a-z][a-z0-9_]*`, at most 64 characters, not a built-in field's name.
    pub name: JsonString,
    /// `string`, `integer`, `boolean`, `date`, `email`, `url` or `enum`.
    #[oai(rename = "type")]
    pub field_type: JsonString,
    #[oai(default)]
    pub required: bool,
    #[oai(nullable)]
    pub max_length: Option<i32>,
    /// A regular expression the whole value must match.
    #[oai(nullable)]
    pub pattern: Option<JsonString>,
    /// The allowed values of an `enum`.
    #[oai(nullable)]
    pub choices: Option<Vec<JsonString>>,
}

/// What to change of a field's rules (its name and type cannot change): rules
/// left out stay as they are; `null` removes one.
#[derive(Debug, Object)]
#[oai(rename = "CustomFieldUpdate")]
pub struct FieldUpdate {
    #[oai(nullable)]
    pub required: Option<bool>,
    #[oai(nullable)]
    pub max_length: MaybeUndefined<i32>,
    #[oai(nullable)]
    pub pattern: MaybeUndefined<JsonString>,
    #[oai(nullable)]
    pub choices: MaybeUndefined<Vec<JsonString>>,
}

#[derive(Debug, Object)]
#[oai(rename = "CustomField")]
pub struct CustomField {
    pub id: i64,
    pub name: String,
    #[oai(rename = "type")]
    pub field_type: String,
    pub required: bool,
    #[oai(nullable)]
    pub max_length: Option<i32>,
    #[oai(nullable)]
    pub pattern: Option<String>,
    #[oai(nullable)]
    pub choices: Option<Vec<String>>,
    pub created_at: DateTime<Utc>,
}

impl From<values::CustomField> for CustomField {
    fn from(model: values::CustomField) -> Self {
        Self {
            id: model.id,
            name: model.name,
            field_type: model.field_type,
            required: model.required,
            max_length: model.max_length,
            pattern: model.pattern,
            choices: model.choices.and_then(|c| serde_json::from_value(c).ok()),
            created_at: model.created_at,
        }
    }
}

macro_rules! reply {
    // An operation that reads a JSON body can also answer 415.
    (takes_body $name:ident { $($body:tt)* } $(, $optional:ident)*) => {
        reply!($name {
            $($body)*
            /// The body is larger than 64 KiB.
            #[oai(status = 413)]
            PayloadTooLarge(ProblemJson),
            /// The body is not `application/json`.
            #[oai(status = 415)]
            UnsupportedMediaType(ProblemJson),
        } $(, $optional)*, UnsupportedMediaType);
    };
    ($name:ident { $($body:tt)* } $(, $optional:ident)*) => {
        #[derive(Debug, ApiResponse)]
        #[oai(bad_request_handler = "from_parse_error")]
        pub enum $name {
            $($body)*
            /// Invalid fields (`errors` names each), or a malformed request.
            #[oai(status = 400)]
            BadRequest(ProblemJson),
            /// Missing, invalid or expired bearer token.
            #[oai(status = 401)]
            Unauthorized(ProblemJson, #[oai(header = "WWW-Authenticate")] String),
            /// The token does not allow this operation.
            #[oai(status = 403)]
            Forbidden(ProblemJson),
            /// Unexpected failure; details are in the server's logs under the request id.
            #[oai(status = 500)]
            Internal(ProblemJson),
            /// The database cannot be reached now; retry after the given seconds.
            #[oai(status = 503)]
            Unavailable(ProblemJson, #[oai(header = "Retry-After")] u32),
        }

        problem_response!($name $(, $optional)*, Unavailable);
    };
}

pub mod replies {
    use super::*;

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

    reply!(takes_body TagOne {
        /// The renamed tag.
        #[oai(status = 200)]
        Ok(Json<Tag>),
        /// Created.
        #[oai(status = 201)]
        Created(Json<Tag>),
        /// No such tag in your tenant.
        #[oai(status = 404)]
        NotFound(ProblemJson),
    }, NotFound);

    reply!(AuditList {
        /// The tenant's audit events, newest first.
        #[oai(status = 200)]
        Ok(Json<Vec<AuditEvent>>),
    });

    reply!(TagList {
        /// The tenant's tags.
        #[oai(status = 200)]
        Ok(Json<Vec<Tag>>),
    });

    reply!(takes_body FieldOne {
        /// The field; `ETag` is its version, for `If-Match`.
        #[oai(status = 200)]
        Ok(Json<CustomField>, #[oai(header = "ETag")] String),
        /// Created.
        #[oai(status = 201)]
        Created(Json<CustomField>),
        /// No such field in your tenant.
        #[oai(status = 404)]
        NotFound(ProblemJson),
        /// `If-Match` names another version: read the field again.
        #[oai(status = 412)]
        PreconditionFailed(ProblemJson),
    }, NotFound, PreconditionFailed);

    reply!(FieldList {
        /// The tenant's custom user fields.
        #[oai(status = 200)]
        Ok(Json<Vec<CustomField>>),
    });

    reply!(Deleted {
        /// Done.
        #[oai(status = 204)]
        NoContent,
        /// No such item in your tenant.
        #[oai(status = 404)]
        NotFound(ProblemJson),
    }, NotFound);
}
