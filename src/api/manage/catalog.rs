//! `/manage/v1/tags` and `/manage/v1/custom-fields`.

use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};

use super::{
    codes::{default_limit, defined},
    routes::managed_tenant,
    types::{
        CustomField, FieldCreate, FieldUpdate, Tag, TagCreate,
        replies::{Deleted, FieldList, FieldOne, TagList, TagOne},
    },
    versions::{etag, if_match},
};
use crate::{
    api::{
        bearer::OAuth2Bearer, json_body::JsonBody, json_string::JsonString,
        problem_failure::Failure,
    },
    context::AppContext,
    domain::{
        Page,
        tenants::catalog::{self, FieldChange, FieldSettings},
    },
};

pub struct CatalogApi;

/// A delete's answer: 204, or the failure (404 when the tenant has no such item).
fn deleted(result: Result<(), Failure>) -> Deleted {
    match result {
        Ok(()) => Deleted::NoContent,
        Err(failure) => failure.into(),
    }
}

#[OpenApi]
impl CatalogApi {
    /// Create a tag
    #[oai(path = "/manage/v1/tags", method = "post", operation_id = "createTag")]
    async fn create_tag(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        body: JsonBody<TagCreate>,
    ) -> TagOne {
        let created = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let body = body.decode().map_err(Failure::from_parse_error)?;
            let now = ctx.clock.now();
            Ok::<_, Failure>(catalog::create_tag(&ctx.db, &tenant, &body.name, now).await?)
        };
        match created.await {
            Ok(model) => TagOne::Created(Json(model.into())),
            Err(failure) => failure.into(),
        }
    }

    /// List tags
    #[oai(path = "/manage/v1/tags", method = "get", operation_id = "listTags")]
    async fn list_tags(
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
    ) -> TagList {
        let listed = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let page = Page {
                skip: skip.0,
                limit: limit.0,
            };
            Ok::<_, Failure>(catalog::list_tags(&ctx.db, &tenant, page).await?)
        };
        match listed.await {
            Ok(tags) => TagList::Ok(Json(tags.into_iter().map(Tag::from).collect())),
            Err(failure) => failure.into(),
        }
    }

    /// Rename a tag
    #[oai(
        path = "/manage/v1/tags/:id",
        method = "patch",
        operation_id = "renameTag"
    )]
    async fn rename_tag(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
        body: JsonBody<TagCreate>,
    ) -> TagOne {
        let renamed = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let body = body.decode().map_err(Failure::from_parse_error)?;
            let now = ctx.clock.now();
            Ok::<_, Failure>(catalog::rename_tag(&ctx.db, &tenant, id.0, &body.name, now).await?)
        };
        match renamed.await {
            Ok(model) => TagOne::Ok(Json(model.into())),
            Err(failure) => failure.into(),
        }
    }

    /// Delete a tag
    ///
    /// Users carrying it lose it.
    #[oai(
        path = "/manage/v1/tags/:id",
        method = "delete",
        operation_id = "deleteTag"
    )]
    async fn delete_tag(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        id: Path<i64>,
    ) -> Deleted {
        let result = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let now = ctx.clock.now();
            Ok::<_, Failure>(catalog::delete_tag(&ctx.db, &tenant, id.0, now).await?)
        };
        deleted(result.await)
    }

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
        let created = async {
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
            Ok::<_, Failure>(catalog::create_field(&ctx.db, &tenant, settings, now).await?)
        };
        match created.await {
            Ok(model) => FieldOne::Created(Json(model.into())),
            Err(failure) => failure.into(),
        }
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
        let listed = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let page = Page {
                skip: skip.0,
                limit: limit.0,
            };
            Ok::<_, Failure>(catalog::list_fields(&ctx.db, &tenant, page).await?)
        };
        match listed.await {
            Ok(fields) => FieldList::Ok(Json(fields.into_iter().map(CustomField::from).collect())),
            Err(failure) => failure.into(),
        }
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
        let found = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            Ok::<_, Failure>(catalog::field(&ctx.db, &tenant, id.0).await?)
        };
        match found.await {
            Ok(model) => {
                let etag = etag(model.version);
                FieldOne::Ok(Json(model.into()), etag)
            }
            Err(failure) => failure.into(),
        }
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
        let updated = async {
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
            Ok::<_, Failure>(
                catalog::update_field(&ctx.db, &tenant, id.0, change, expected, now).await?,
            )
        };
        match updated.await {
            Ok(model) => {
                let etag = etag(model.version);
                FieldOne::Ok(Json(model.into()), etag)
            }
            Err(failure) => failure.into(),
        }
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
        let result = async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let now = ctx.clock.now();
            Ok::<_, Failure>(catalog::delete_field(&ctx.db, &tenant, id.0, now).await?)
        };
        deleted(result.await)
    }
}
