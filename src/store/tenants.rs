//! Tenants and their client secrets.

use chrono::{DateTime, Utc};
use entity::{client_secrets, tenants, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::domain::{
    audit::event::{AuditContext, Event},
    values::{ClientId, Tenant, TenantPolicy},
};

/// Creates a tenant with its first client secret (given as its hash).
pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    client_id: &ClientId,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> Result<Tenant, DbErr> {
    let policy = TenantPolicy::default();
    let txn = db.begin().await?;
    let tenant = tenants::ActiveModel {
        client_id: Set(client_id.to_string()),
        name: Set(name.to_owned()),
        policy: Set(to_json(&policy)?),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    client_secrets::ActiveModel {
        tenant_id: Set(tenant.id),
        secret_hash: Set(secret_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    from_model(tenant)
}

pub async fn find_by_client_id<C: ConnectionTrait>(
    db: &C,
    client_id: &ClientId,
) -> Result<Option<Tenant>, DbErr> {
    tenants::Entity::find()
        .filter(tenants::Column::ClientId.eq(client_id.as_str()))
        .one(db)
        .await?
        .map(from_model)
        .transpose()
}

pub async fn find_by_id<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
) -> Result<Option<Tenant>, DbErr> {
    tenants::Entity::find_by_id(tenant_id)
        .one(db)
        .await?
        .map(from_model)
        .transpose()
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<Tenant>, DbErr> {
    tenants::Entity::find()
        .order_by_asc(tenants::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}

/// Takes the tenant's row lock for the rest of the transaction (a write, so that
/// SQLite, which has no row locks, takes its write lock at once: a read first
/// would leave the transaction unable to write if another wrote meanwhile), then
/// reads the row as it stands.
pub async fn lock<C: ConnectionTrait>(db: &C, tenant_id: i64) -> Result<Option<Tenant>, DbErr> {
    lock_row(db, tenant_id).await?;
    find_by_id(db, tenant_id).await
}

/// The no-op write that takes a tenant's row lock: changes of one tenant that
/// must be ordered (its policy, its secrets, its audit trail) take it first.
pub async fn lock_row<C: ConnectionTrait>(db: &C, tenant_id: i64) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    tenants::Entity::update_many()
        .col_expr(
            tenants::Column::Version,
            Expr::col(tenants::Column::Version),
        )
        .filter(tenants::Column::Id.eq(tenant_id))
        .exec(db)
        .await
        .map(drop)
}

/// Writes the policy and bumps the version; with `while_empty`, only while the
/// tenant has no users (in the same statement, so no registration slips in
/// between a check and the write). False when that guard refused.
pub async fn write_policy<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    policy: &TenantPolicy,
    while_empty: bool,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut update = tenants::Entity::update_many()
        .col_expr(tenants::Column::Policy, Expr::value(to_json(policy)?))
        .col_expr(
            tenants::Column::Version,
            Expr::col(tenants::Column::Version).add(1),
        )
        .filter(tenants::Column::Id.eq(tenant_id));
    if while_empty {
        update = update.filter(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(users::Entity)
                    .and_where(users::Column::TenantId.eq(tenant_id))
                    .to_owned(),
            )
            .not(),
        );
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

pub async fn count_users<C: ConnectionTrait>(db: &C, tenant_id: i64) -> Result<u64, DbErr> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .count(db)
        .await
}

fn to_json(policy: &TenantPolicy) -> Result<serde_json::Value, DbErr> {
    serde_json::to_value(policy).map_err(|err| DbErr::Json(err.to_string()))
}

fn from_model(model: tenants::Model) -> Result<Tenant, DbErr> {
    let client_id = ClientId::parse(&model.client_id)
        .map_err(|err| DbErr::Type(format!("tenant {}: {err}", model.id)))?;
    let policy = serde_json::from_value(model.policy)
        .map_err(|err| DbErr::Json(format!("tenant {} policy: {err}", model.id)))?;
    Ok(Tenant {
        id: model.id,
        client_id,
        name: model.name,
        policy,
        created_at: model.created_at,
        version: model.version,
    })
}

/// Hashes of the tenant's client secrets still valid at `now`, with their expiry.
pub async fn live_secret_hashes(
    db: &DatabaseConnection,
    tenant_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Option<DateTime<Utc>>)>, DbErr> {
    client_secrets::Entity::find()
        .select_only()
        .column(client_secrets::Column::SecretHash)
        .column(client_secrets::Column::ExpiresAt)
        .filter(client_secrets::Column::TenantId.eq(tenant_id))
        .filter(
            Condition::any()
                .add(client_secrets::Column::ExpiresAt.is_null())
                .add(client_secrets::Column::ExpiresAt.gt(now)),
        )
        .into_tuple()
        .all(db)
        .await
}

/// Adds a new client secret; the live ones stay valid until `old_valid_until`.
/// The tenant's row is locked first, so two rotations at once run one after the
/// other (each sees the other's secret and bounds it: none is left unbounded
/// but the newest). The audit events and the notice to running instances (which
/// cache secrets) are written in the same transaction.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    tenant: &Tenant,
    new_secret_hash: &str,
    now: DateTime<Utc>,
    old_valid_until: DateTime<Utc>,
    audit: (AuditContext, Vec<Event>),
) -> Result<(), DbErr> {
    let tenant_id = tenant.id;
    let txn = db.begin().await?;
    lock_row(&txn, tenant_id).await?;
    client_secrets::Entity::update_many()
        .col_expr(
            client_secrets::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(old_valid_until),
        )
        .filter(client_secrets::Column::TenantId.eq(tenant_id))
        .filter(
            Condition::any()
                .add(client_secrets::Column::ExpiresAt.is_null())
                .add(client_secrets::Column::ExpiresAt.gt(old_valid_until)),
        )
        .exec(&txn)
        .await?;
    client_secrets::ActiveModel {
        tenant_id: Set(tenant_id),
        secret_hash: Set(new_secret_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    super::audit::insert(&txn, tenant_id, now, &audit.0, &audit.1).await?;
    let change = super::changes::Change::Tenant(tenant.client_id.to_string());
    super::changes::publish(&txn, &change, now).await?;
    txn.commit().await
}
