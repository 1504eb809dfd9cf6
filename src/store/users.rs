//! Users of a tenant.

use chrono::{DateTime, Utc};
use entity::{user_roles, user_tags, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Set, SqlErr, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::codes;
use crate::domain::{
    audit::event::{AuditContext, Event},
    values::{Account, Role, TenantPolicy, UserStatus},
};

/// A user row ready to insert; every value already validated by the domain.
pub struct NewUserRow<'a> {
    pub uuid: Uuid,
    /// Written in the same transaction.
    pub audit: (AuditContext, Vec<Event>),
    pub tenant_id: i64,
    pub username: &'a str,
    pub username_key: &'a str,
    /// Whether the tenant's policy, read under its row lock, still admits the
    /// registration as decided (the case rule `username_key` was made under,
    /// the sign-up gates).
    pub admits: &'a (dyn Fn(&TenantPolicy) -> bool + Send + Sync),
    pub email: Option<&'a str>,
    pub email_key: Option<&'a str>,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub roles: &'a [Role],
    pub now: DateTime<Utc>,
    pub ext_id: Option<i64>,
    /// A JSON object of validated custom field values.
    pub metadata: serde_json::Value,
    /// Ids of the tenant's tags to attach.
    pub tags: &'a [i64],
    /// The invite code to consume (its hash), atomically with the insert.
    pub invite_code_hash: Option<&'a str>,
    /// The promo code to redeem, atomically with the insert.
    pub promo_code_id: Option<i64>,
}

/// A unique value that another user of the tenant already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicate {
    Username,
    Email,
    ExtId,
}

impl Duplicate {
    /// The request field that holds the taken value.
    pub fn field(self) -> &'static str {
        match self {
            Duplicate::Username => "username",
            Duplicate::Email => "email",
            Duplicate::ExtId => "ext_id",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("duplicate {0:?}")]
    Duplicate(Duplicate),
    /// A tag was deleted between the check and the insert.
    #[error("unknown tag")]
    UnknownTag,
    /// The invite or promo code was used up (or expired) before this insert.
    #[error("{0} is no longer available")]
    CodeUnavailable(&'static str),
    /// The tenant's sign-up rules changed after the registration was decided.
    #[error("the tenant's sign-up rules changed meanwhile")]
    RulesChanged,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Which of the given unique values are already taken in the tenant (an indexed
/// lookup, so duplicates are refused before paying for a password hash).
pub async fn taken<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    username_key: &str,
    email_key: Option<&str>,
    ext_id: Option<i64>,
) -> Result<Vec<Duplicate>, DbErr> {
    let mut wanted = Condition::any().add(users::Column::UsernameKey.eq(username_key));
    if let Some(email_key) = email_key {
        wanted = wanted.add(users::Column::EmailKey.eq(email_key));
    }
    if let Some(ext_id) = ext_id {
        wanted = wanted.add(users::Column::ExtId.eq(ext_id));
    }
    let rows: Vec<(String, Option<String>, Option<i64>)> = users::Entity::find()
        .select_only()
        .column(users::Column::UsernameKey)
        .column(users::Column::EmailKey)
        .column(users::Column::ExtId)
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(wanted)
        .limit(3)
        .into_tuple()
        .all(db)
        .await?;
    let mut taken = Vec::new();
    if rows.iter().any(|(key, _, _)| key == username_key) {
        taken.push(Duplicate::Username);
    }
    if email_key.is_some() && rows.iter().any(|(_, key, _)| key.as_deref() == email_key) {
        taken.push(Duplicate::Email);
    }
    if ext_id.is_some() && rows.iter().any(|(_, _, id)| *id == ext_id) {
        taken.push(Duplicate::ExtId);
    }
    Ok(taken)
}

/// Inserts the user, consuming the invite code and redeeming the promo code, with
/// roles, tags and audit events, in one transaction. A unique-index
/// violation (the loser of a race) comes back as [`InsertError::Duplicate`], a
/// code used up meanwhile as [`InsertError::CodeUnavailable`]; either way nothing
/// is written.
pub async fn insert(db: &DatabaseConnection, row: NewUserRow<'_>) -> Result<Account, InsertError> {
    let txn = db.begin().await?;
    // The tenant first (see [`lock`]), and with it its rules as they stand: a
    // registration decided under rules changed meanwhile is not stored.
    let tenant = super::tenants::lock(&txn, row.tenant_id).await?;
    if tenant.is_none_or(|tenant| !(row.admits)(&tenant.policy)) {
        return Err(InsertError::RulesChanged);
    }
    if let Some(hash) = row.invite_code_hash
        && !codes::consume_invite(&txn, row.tenant_id, hash, row.now).await?
    {
        return Err(InsertError::CodeUnavailable("invite_code"));
    }
    if let Some(id) = row.promo_code_id
        && !codes::redeem_promo(&txn, row.tenant_id, id, row.now).await?
    {
        return Err(InsertError::CodeUnavailable("promo_code"));
    }
    let user = insert_user(&txn, &row).await?;
    attach(&txn, user.id, row.roles, row.tags).await?;
    let (context, events) = &row.audit;
    super::audit::insert(&txn, row.tenant_id, row.now, context, events).await?;
    txn.commit().await?;
    Ok(account(user)?)
}

/// Gives a new user (or one whose roles and tags were just cleared) these
/// roles and tags.
pub(super) async fn attach<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    roles: &[Role],
    tags: &[i64],
) -> Result<(), InsertError> {
    if !roles.is_empty() {
        user_roles::Entity::insert_many(roles.iter().map(|role| user_roles::ActiveModel {
            user_id: Set(user_id),
            role: Set(role.as_str().to_owned()),
        }))
        .exec(db)
        .await?;
    }
    if !tags.is_empty() {
        user_tags::Entity::insert_many(tags.iter().map(|tag| user_tags::ActiveModel {
            user_id: Set(user_id),
            tag_id: Set(*tag),
        }))
        .exec(db)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => InsertError::UnknownTag,
            _ => InsertError::Db(err),
        })?;
    }
    Ok(())
}

async fn insert_user<C: ConnectionTrait>(
    db: &C,
    row: &NewUserRow<'_>,
) -> Result<users::Model, InsertError> {
    users::ActiveModel {
        uuid: Set(row.uuid),
        tenant_id: Set(row.tenant_id),
        ext_id: Set(row.ext_id),
        username: Set(row.username.to_owned()),
        username_key: Set(row.username_key.to_owned()),
        email: Set(row.email.map(str::to_owned)),
        email_key: Set(row.email_key.map(str::to_owned)),
        password_hash: Set(row.password_hash.clone()),
        status: Set(row.status.as_str().to_owned()),
        metadata: Set(row.metadata.clone()),
        promo_code_id: Set(row.promo_code_id),
        created_at: Set(row.now),
        updated_at: Set(row.now),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(classify)
}

pub(super) fn classify(err: DbErr) -> InsertError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => match duplicate_named(&message) {
            Some(duplicate) => InsertError::Duplicate(duplicate),
            None => InsertError::Db(err),
        },
        _ => InsertError::Db(err),
    }
}

/// The taken value a unique index's refusal names. PostgreSQL and MySQL name
/// the index, SQLite the columns; MySQL quotes the value first
/// (`Duplicate entry '7-email_key' for key 'ux_users_tenant_username_key'`),
/// so only what follows `for key` is read.
fn duplicate_named(message: &str) -> Option<Duplicate> {
    let index = message
        .rsplit_once("for key ")
        .map_or(message, |(_, key)| key);
    [Duplicate::Email, Duplicate::Username, Duplicate::ExtId]
        .into_iter()
        .find(|duplicate| {
            let column = match duplicate {
                Duplicate::Email => "email_key",
                Duplicate::Username => "username_key",
                Duplicate::ExtId => "ext_id",
            };
            index.contains(column)
        })
}

/// The user of the tenant with this canonical username.
pub async fn find_by_username_key(
    db: &DatabaseConnection,
    tenant_id: i64,
    username_key: &str,
) -> Result<Option<Account>, DbErr> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::UsernameKey.eq(username_key))
        .one(db)
        .await?
        .map(account)
        .transpose()
}

pub async fn find_by_id(
    db: &DatabaseConnection,
    tenant_id: i64,
    user_id: i64,
) -> Result<Option<Account>, DbErr> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Id.eq(user_id))
        .one(db)
        .await?
        .map(account)
        .transpose()
}

pub async fn find_by_ext_id(
    db: &DatabaseConnection,
    tenant_id: i64,
    ext_id: i64,
) -> Result<Option<Account>, DbErr> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::ExtId.eq(ext_id))
        .one(db)
        .await?
        .map(account)
        .transpose()
}

/// The user's roles (none for a user of another tenant).
pub async fn roles_of<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    user_id: i64,
) -> Result<Vec<Role>, DbErr> {
    use sea_orm::sea_query::Query;
    let names: Vec<String> = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::Role)
        .filter(user_roles::Column::UserId.eq(user_id))
        .filter(
            user_roles::Column::UserId.in_subquery(
                Query::select()
                    .column(users::Column::Id)
                    .from(users::Entity)
                    .and_where(users::Column::TenantId.eq(tenant_id))
                    .and_where(users::Column::Id.eq(user_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(roles(names))
}

/// Role names as stored, in alphabetical order; a name this version does not
/// know is no role.
pub(super) fn roles(names: Vec<String>) -> Vec<Role> {
    let mut roles: Vec<Role> = names.iter().filter_map(|name| name.parse().ok()).collect();
    roles.sort_by_key(|role| role.as_str());
    roles.dedup();
    roles
}

/// A user's row as the domain reads it.
pub(super) fn account(row: users::Model) -> Result<Account, DbErr> {
    // A status this version does not know (written by a newer one, or by hand)
    // grants nothing: the user counts as disabled.
    let status = UserStatus::parse(&row.status).unwrap_or_else(|| {
        tracing::warn!(user = row.id, status = %row.status, "unknown user status; treated as disabled");
        UserStatus::Disabled
    });
    Ok(Account {
        id: row.id,
        uuid: row.uuid,
        tenant_id: row.tenant_id,
        ext_id: row.ext_id,
        username: row.username,
        email: row.email,
        password_hash: row.password_hash,
        status,
        metadata: row.metadata,
        created_at: row.created_at,
        last_login_at: row.last_login_at,
    })
}

/// Takes the user's row lock for the rest of the transaction, then reads the row
/// as it stands. The tenant's row lock comes first: every transaction that
/// writes a tenant's audited state takes its locks in that order (tenant, then
/// the rows it changes), so none waits on another that waits on it. (A write
/// first also makes SQLite take its write lock at once.)
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    user_id: i64,
) -> Result<Option<Account>, DbErr> {
    super::tenants::lock_row(db, tenant_id).await?;
    users::Entity::update_many()
        .col_expr(
            users::Column::UpdatedAt,
            Expr::col(users::Column::UpdatedAt),
        )
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Id.eq(user_id))
        .one(db)
        .await?
        .map(account)
        .transpose()
}

/// Records a successful login, replacing the hash when it was re-computed.
pub async fn record_login<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    user_id: i64,
    new_password_hash: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(now))
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Id.eq(user_id));
    if let Some(hash) = new_password_hash {
        update = update
            .col_expr(users::Column::PasswordHash, Expr::value(hash))
            .col_expr(users::Column::UpdatedAt, Expr::value(now));
    }
    update.exec(db).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_database_names_the_taken_key() {
        let named = |message| duplicate_named(message);
        assert_eq!(
            named(r#"duplicate key value violates unique constraint "ux_users_tenant_email_key""#),
            Some(Duplicate::Email)
        );
        assert_eq!(
            named("UNIQUE constraint failed: users.tenant_id, users.username_key"),
            Some(Duplicate::Username)
        );
        assert_eq!(
            named("Duplicate entry '7-email_key' for key 'ux_users_tenant_username_key'"),
            Some(Duplicate::Username)
        );
        assert_eq!(
            named("Duplicate entry '7-12' for key 'users.ux_users_tenant_ext_id'"),
            Some(Duplicate::ExtId)
        );
        assert_eq!(named("Duplicate entry 'x' for key 'PRIMARY'"), None);
    }
}
