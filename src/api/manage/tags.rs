//! `/manage/v1/tags`: create, list, rename and delete tags.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::shared::{Deleted, default_limit, deleted, managed_tenant, reply};
use crate::{
    api::{
        bearer::OAuth2Bearer,
        json_body::JsonBody,
        json_string::JsonString,
        problem::ProblemJson,
        problem::errors::{Failure, answer, from_parse_error},
    },
    context::AppContext,
    domain::{Page, tenants::catalog, values},
};

pub struct TagsApi;

#[OpenApi]
impl TagsApi {
    /// Create a tag
    #[oai(path = "/manage/v1/tags", method = "post", operation_id = "createTag")]
    async fn create_tag(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        body: JsonBody<TagCreate>,
    ) -> TagOne {
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let body = body.decode().map_err(Failure::from_parse_error)?;
                let now = ctx.clock.now();
                Ok(catalog::create_tag(&ctx.db, &tenant, &body.name, now).await?)
            },
            |model| TagOne::Created(Json(model.into())),
        )
        .await
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
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let page = Page {
                    skip: skip.0,
                    limit: limit.0,
                };
                Ok(catalog::list_tags(&ctx.db, &tenant, page).await?)
            },
            |tags| TagList::Ok(Json(tags.into_iter().map(Tag::from).collect())),
        )
        .await
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
        answer(
            async {
                let tenant = managed_tenant(&ctx, &auth).await?;
                let body = body.decode().map_err(Failure::from_parse_error)?;
                let now = ctx.clock.now();
                Ok(catalog::rename_tag(&ctx.db, &tenant, id.0, &body.name, now).await?)
            },
            |model| TagOne::Ok(Json(model.into())),
        )
        .await
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
        deleted(async {
            let tenant = managed_tenant(&ctx, &auth).await?;
            let now = ctx.clock.now();
            Ok(catalog::delete_tag(&ctx.db, &tenant, id.0, now).await?)
        })
        .await
    }
}

#[derive(Debug, Object)]
#[oai(rename = "TagCreate")]
pub struct TagCreate {
    /// At most 100 characters; unique in the tenant.
    pub name: JsonString,
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

reply!(TagList {
    /// The tenant's tags.
    #[oai(status = 200)]
    Ok(Json<Vec<Tag>>),
});
