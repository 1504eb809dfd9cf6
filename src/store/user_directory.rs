//! Reading and changing a tenant's users for its administrators (the admin
//! surface). Every query is scoped by tenant.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{user_roles, users};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Expr, LikeExpr, Query},
};
use uuid::Uuid;

use super::users::{InsertError, account, classify, roles};
use crate::domain::{
    audit::event::{AuditContext, Event},
    values::{Account, Role, UserStatus},
};

/// Which users to list.
#[derive(Debug, Default, Clone)]
pub struct UserQuery {
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    /// Prefix of the canonical username (already case-mapped as the tenant
    /// requires) or of the lowercased email.
    pub username_key_prefix: Option<String>,
    pub email_key_prefix: Option<String>,
    pub skip: u64,
    pub limit: u64,
}

/// `LIKE 'prefix%'` with the prefix's own `%`, `_` and `\` taken literally.
fn starts_with(prefix: &str) -> LikeExpr {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("{escaped}%")).escape('\\')
}

/// A page of the tenant's users, oldest first (stable: ordered by id).
pub async fn list(
    db: &DatabaseConnection,
    tenant_id: i64,
    query: &UserQuery,
) -> Result<Vec<Account>, DbErr> {
    let mut select = users::Entity::find().filter(users::Column::TenantId.eq(tenant_id));
    if let Some(status) = query.status {
        select = select.filter(users::Column::Status.eq(status.as_str()));
    }
    if let Some(role) = query.role {
        select = select.filter(
            users::Column::Id.in_subquery(
                Query::select()
                    .column(user_roles::Column::UserId)
                    .from(user_roles::Entity)
                    .and_where(user_roles::Column::Role.eq(role.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let (Some(username), Some(email)) = (&query.username_key_prefix, &query.email_key_prefix) {
        select = select.filter(
            Condition::any()
                .add(users::Column::UsernameKey.like(starts_with(username)))
                .add(users::Column::EmailKey.like(starts_with(email))),
        );
    }
    select
        .order_by_asc(users::Column::Id)
        .offset(query.skip)
        .limit(query.limit)
        .all(db)
        .await?
        .into_iter()
        .map(account)
        .collect()
}

pub async fn find_by_uuid(
    db: &DatabaseConnection,
    tenant_id: i64,
    uuid: Uuid,
) -> Result<Option<Account>, DbErr> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Uuid.eq(uuid))
        .one(db)
        .await?
        .map(account)
        .transpose()
}

/// The roles of each of the given users of the tenant (none for another
/// tenant's).
pub async fn roles_of_many(
    db: &DatabaseConnection,
    tenant_id: i64,
    user_ids: &[i64],
) -> Result<HashMap<i64, Vec<Role>>, DbErr> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::UserId)
        .column(user_roles::Column::Role)
        .filter(user_roles::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(
            user_roles::Column::UserId.in_subquery(
                Query::select()
                    .column(users::Column::Id)
                    .from(users::Entity)
                    .and_where(users::Column::TenantId.eq(tenant_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for (user_id, role) in rows {
        names.entry(user_id).or_default().push(role);
    }
    Ok(names
        .into_iter()
        .map(|(user_id, names)| (user_id, roles(names)))
        .collect())
}

/// Changes to one user; `None` leaves a column as it is.
#[derive(Debug)]
pub struct UserChanges {
    /// `Some(None)` removes the address.
    pub email: Option<Option<(String, String)>>,
    pub password_hash: Option<String>,
    pub status: Option<UserStatus>,
    pub roles: Option<Vec<Role>>,
    pub now: DateTime<Utc>,
    /// Revoke the user's refresh tokens in the same transaction.
    pub end_logins: bool,
    /// Written in the same transaction.
    pub audit: (AuditContext, Vec<Event>),
}

/// Applies the changes, in the caller's transaction; false when the user is
/// gone (deleted meanwhile). A taken email comes back as
/// [`InsertError::Duplicate`].
pub async fn update<C: ConnectionTrait>(
    txn: &C,
    tenant_id: i64,
    user_id: i64,
    changes: UserChanges,
) -> Result<bool, InsertError> {
    let mut update = users::Entity::update_many()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Id.eq(user_id));
    if let Some(email) = changes.email {
        let (address, key) = email.unzip();
        update = update
            .col_expr(users::Column::Email, Expr::value(address))
            .col_expr(users::Column::EmailKey, Expr::value(key));
    }
    if let Some(hash) = changes.password_hash {
        update = update.col_expr(users::Column::PasswordHash, Expr::value(hash));
    }
    if let Some(status) = changes.status {
        update = update.col_expr(users::Column::Status, Expr::value(status.as_str()));
    }
    update = update.col_expr(users::Column::UpdatedAt, Expr::value(changes.now));
    if update.exec(txn).await.map_err(classify)?.rows_affected == 0 {
        return Ok(false);
    }
    if let Some(roles) = changes.roles {
        user_roles::Entity::delete_many()
            .filter(user_roles::Column::UserId.eq(user_id))
            .exec(txn)
            .await?;
        if !roles.is_empty() {
            user_roles::Entity::insert_many(roles.iter().map(|role| user_roles::ActiveModel {
                user_id: Set(user_id),
                role: Set(role.as_str().to_owned()),
            }))
            .exec(txn)
            .await?;
        }
    }
    if changes.end_logins {
        super::refresh_tokens::revoke_user(txn, user_id, changes.now).await?;
    }
    let (context, events) = &changes.audit;
    super::audit::insert(txn, tenant_id, changes.now, context, events).await?;
    Ok(true)
}

/// Deletes the user (roles and refresh tokens go with it), in the caller's
/// transaction; false when there was none.
pub async fn delete<C: ConnectionTrait>(
    txn: &C,
    tenant_id: i64,
    uuid: Uuid,
    now: DateTime<Utc>,
    audit: (AuditContext, Vec<Event>),
) -> Result<bool, DbErr> {
    let result = users::Entity::delete_many()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Uuid.eq(uuid))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        return Ok(false);
    }
    super::audit::insert(txn, tenant_id, now, &audit.0, &audit.1).await?;
    Ok(true)
}
