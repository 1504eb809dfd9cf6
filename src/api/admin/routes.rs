//! `/admin/users/...`: thin handlers over the registration pipeline and the user
//! administration of the domain.

use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};

use super::{
    body::{Body, FastApiBody, Unusable},
    errors::{Failure, answer},
    params::{RawLimit, RawSkip, RawUuid},
    pydantic::{Errors, path_uuid},
    requests::{self, ListQuery},
    types::{
        AdminUserCreate, AdminUserUpdate, CreateReply, DeleteReply, GetReply, ListReply, Timestamp,
        UpdateReply, UserResponse,
    },
};
use crate::{
    api::{
        bearer::{OAuth2Bearer, authorize},
        rate_limit,
    },
    context::AppContext,
    domain::{Scope, tokens::Grantor, users::User},
};

pub struct AdminApi;

fn user_response(user: User) -> UserResponse {
    UserResponse {
        id: user.uuid,
        username: user.username,
        email: user.email,
        is_active: user.status == crate::domain::users::UserStatus::Active,
        status: user.status.as_str().to_owned(),
        last_login_at: user.last_login_at.map(Timestamp),
        created_at: Timestamp(user.created_at),
        roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
    }
}

/// FastAPI's first step: a body that cannot be decoded is answered at once; a
/// missing one is an error to report with the others.
fn readable(body: Body) -> Result<Result<serde_json::Value, Errors>, Failure> {
    match body.into_value() {
        Ok(value) => Ok(Ok(value)),
        Err(Unusable::Missing(errors)) => Ok(Err(errors)),
        Err(unusable) => Err(unusable.into()),
    }
}

fn user_id(raw: &RawUuid) -> Result<uuid::Uuid, Failure> {
    let mut errors = Errors::default();
    path_uuid(&mut errors, "user_id", &raw.0).ok_or_else(|| errors.into())
}

#[OpenApi]
impl AdminApi {
    /// Create User
    ///
    /// Create a new user with the specified role (admin only).
    #[oai(
        path = "/admin/users",
        method = "post",
        operation_id = "create_user_admin_users__post"
    )]
    async fn create_user(
        &self,
        ctx: Data<&AppContext>,
        req: &Request,
        auth: OAuth2Bearer,
        /// Send the same key again with a retry of this request to get its first
        /// answer back, not a second user (kept 24 hours).
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: FastApiBody<AdminUserCreate>,
    ) -> CreateReply {
        answer(
            async {
                // FastAPI decodes the body before it checks the token.
                let value = readable(body.body)?;
                let (caller, tenant) = authorize(&ctx, &auth, Scope::UsersWrite).await?;
                rate_limit::creation(&ctx.limits, req, &caller, &tenant).await?;
                let new_user = requests::create(&value?, &tenant)?;
                let by = Grantor::Caller(&caller);
                Ok(ctx.registrar.register(&tenant, new_user, by).await?)
            },
            |user| CreateReply::Created(Json(user_response(user))),
        )
        .await
    }

    /// List Users
    ///
    /// The tenant's users, oldest first, a page at a time; filter by `status`,
    /// `role`, or a prefix `q` of the username or email.
    #[oai(
        path = "/admin/users",
        method = "get",
        operation_id = "list_users_admin_users__get"
    )]
    // One argument per documented query parameter, as poem-openapi wants them.
    #[allow(clippy::too_many_arguments)]
    async fn list_users(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        /// How many users to skip (default 0, at most 2147483647).
        skip: Query<Option<RawSkip>>,
        /// At most this many users (default 100, at most 1000).
        limit: Query<Option<RawLimit>>,
        /// Only users with this status: `active`, `pending` or `disabled`.
        status: Query<Option<String>>,
        /// Only users holding this role.
        role: Query<Option<String>>,
        /// Only users whose username or email starts with this.
        q: Query<Option<String>>,
    ) -> ListReply {
        answer(
            async {
                let (_, tenant) = authorize(&ctx, &auth, Scope::UsersRead).await?;
                let (filter, skip, limit) = requests::list(&ListQuery {
                    skip: skip.0.as_ref().map(|s| s.0.as_str()),
                    limit: limit.0.as_ref().map(|s| s.0.as_str()),
                    status: status.0.as_deref(),
                    role: role.0.as_deref(),
                    q: q.0.as_deref(),
                })?;
                Ok(ctx.users.list(&tenant, &filter, skip, limit).await?)
            },
            |users| ListReply::Ok(Json(users.into_iter().map(user_response).collect())),
        )
        .await
    }

    /// Get User
    #[oai(
        path = "/admin/users/:user_id",
        method = "get",
        operation_id = "get_user_admin_users__user_id__get"
    )]
    async fn get_user(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        user_id: Path<RawUuid>,
    ) -> GetReply {
        let found = async {
            let (_, tenant) = authorize(&ctx, &auth, Scope::UsersRead).await?;
            let id = self::user_id(&user_id)?;
            ctx.users
                .find(&tenant, id)
                .await?
                .ok_or_else(Failure::not_found)
        };
        match found.await {
            Ok(user) => GetReply::Ok(Json(user_response(user))),
            Err(failure) => failure.into(),
        }
    }

    /// Update User
    ///
    /// Change the email, roles, status (or `is_active`) or password; only the
    /// fields present change. Setting a password activates a pending user.
    #[oai(
        path = "/admin/users/:user_id",
        method = "patch",
        operation_id = "update_user_admin_users__user_id__patch"
    )]
    async fn update_user(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        user_id: Path<RawUuid>,
        body: FastApiBody<AdminUserUpdate>,
    ) -> UpdateReply {
        answer(
            async {
                let value = readable(body.body)?;
                let (caller, tenant) = authorize(&ctx, &auth, Scope::UsersWrite).await?;
                // Path and body problems are reported together, path first.
                let mut errors = Errors::default();
                let id = path_uuid(&mut errors, "user_id", &user_id.0.0);
                match (id, value.and_then(|value| requests::update(&value))) {
                    (Some(id), Ok(update)) if errors.is_empty() => {
                        let by = Grantor::Caller(&caller);
                        Ok(ctx.users.update(&tenant, id, update, by).await?)
                    }
                    (_, body) => {
                        errors.0.extend(body.err().map(|e| e.0).unwrap_or_default());
                        Err(errors.into())
                    }
                }
            },
            |user| UpdateReply::Ok(Json(user_response(user))),
        )
        .await
    }

    /// Delete User
    #[oai(
        path = "/admin/users/:user_id",
        method = "delete",
        operation_id = "delete_user_admin_users__user_id__delete"
    )]
    async fn delete_user(
        &self,
        ctx: Data<&AppContext>,
        auth: OAuth2Bearer,
        user_id: Path<RawUuid>,
    ) -> DeleteReply {
        answer(
            async {
                let (caller, tenant) = authorize(&ctx, &auth, Scope::UsersWrite).await?;
                let id = self::user_id(&user_id)?;
                let by = Grantor::Caller(&caller);
                Ok(ctx.users.delete(&tenant, id, by).await?)
            },
            |()| DeleteReply::Deleted,
        )
        .await
    }
}
