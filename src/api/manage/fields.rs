//! `/manage/v1/custom-fields`: define, list, read, change and delete custom
//! user fields.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use super::{
    shared::{Deleted, default_limit, defined, deleted, managed_tenant, reply},
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
        tenants::catalog::{self, FieldChange, FieldSettings},
        values,
    },
};

pub struct FieldsApi;

#[OpenApi]
impl FieldsApi {
    /// Define a custom user field
    #[oai(
        path = "/manage/v1/custom-fields",
        method = "post",
        operation_id = "createCustomField"
    )]
    async fn create_field(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        body: JsonBody<FieldCreate>,
    ) -> FieldOne {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let body = body.decode().map_err(Failure::from_parse_error)?;
                let settings = FieldSettings {
                    name: body.name.into(),
                    field_type: body.field_type.into(),
                    required: body.required,
                    max_length: body.max_length,
                    pattern: body.pattern.map(String::from),
                    choices: body.choices.map(JsonString::strings),
                };
                let now = ctx.clock.now();
                Ok(catalog::create_field(&ctx.db, &tenant, settings, now).await?)
            },
            |model| FieldOne::Created(Json(model.into())),
        )
        .await
    }

    /// List custom user fields
    #[oai(
        path = "/manage/v1/custom-fields",
        method = "get",
        operation_id = "listCustomFields"
    )]
    async fn list_fields(
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
    ) -> FieldList {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let page = Page {
                    skip: skip.0,
                    limit: limit.0,
                };
                Ok(catalog::list_fields(&ctx.db, &tenant, page).await?)
            },
            |fields| FieldList::Ok(Json(fields.into_iter().map(CustomField::from).collect())),
        )
        .await
    }

    /// Read a custom user field
    ///
    /// With its `ETag`, for a change that must not overwrite another.
    #[oai(
        path = "/manage/v1/custom-fields/:id",
        method = "get",
        operation_id = "getCustomField"
    )]
    async fn get_field(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
    ) -> FieldOne {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                Ok(catalog::field(&ctx.db, &tenant, id.0).await?)
            },
            |model| {
                let etag = etag(model.version);
                FieldOne::Ok(Json(model.into()), etag)
            },
        )
        .await
    }

    /// Change a custom user field's rules
    ///
    /// Only the rules given change (`null` removes one), merged into the field as
    /// stored; with `If-Match` (its `ETag`), nothing changes unless the field is
    /// still that version (412 otherwise). Applies to registrations from now on;
    /// stored values are not re-checked.
    #[oai(
        path = "/manage/v1/custom-fields/:id",
        method = "patch",
        operation_id = "updateCustomField"
    )]
    async fn update_field(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
        /// Change only this version of the field (an `ETag`).
        #[oai(name = "If-Match")]
        expected: Header<Option<String>>,
        body: JsonBody<FieldUpdate>,
    ) -> FieldOne {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let body = body.decode().map_err(Failure::from_parse_error)?;
                let expected = if_match(expected.0.as_deref())?;
                let change = FieldChange {
                    required: body.required,
                    max_length: defined(body.max_length),
                    pattern: defined(body.pattern.map_value(String::from)),
                    choices: defined(body.choices.map_value(JsonString::strings)),
                };
                let now = ctx.clock.now();
                Ok(catalog::update_field(&ctx.db, &tenant, id.0, change, expected, now).await?)
            },
            |model| {
                let etag = etag(model.version);
                FieldOne::Ok(Json(model.into()), etag)
            },
        )
        .await
    }

    /// Delete a custom user field
    ///
    /// Values already stored stay in users' metadata; new registrations may no
    /// longer send the field.
    #[oai(
        path = "/manage/v1/custom-fields/:id",
        method = "delete",
        operation_id = "deleteCustomField"
    )]
    async fn delete_field(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
    ) -> Deleted {
        deleted(async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let now = ctx.clock.now();
            Ok(catalog::delete_field(&ctx.db, &tenant, id.0, now).await?)
        })
        .await
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
