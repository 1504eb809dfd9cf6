//! Tenants and their client secrets.

use chrono::{DateTime, Utc};
use entity::{client_secrets, tenants, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::domain::{
    ClientId, Tenant, TenantPolicy,
    audit::{AuditContext, Event},
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

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<Tenant>, DbErr> {
    tenants::Entity::find()
        .order_by_asc(tenants::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}

pub async fn update_policy<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    policy: &TenantPolicy,
) -> Result<(), DbErr> {
    tenants::ActiveModel {
        id: Set(tenant_id),
        policy: Set(to_json(policy)?),
        ..Default::default()
    }
    .update(db)
    .await
    .map(drop)
}

/// Stores the policy only while the tenant has no users (one statement, so no
/// registration can slip in between the check and the write); false otherwise.
pub async fn update_policy_while_empty<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    policy: &TenantPolicy,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let result = tenants::Entity::update_many()
        .col_expr(tenants::Column::Policy, Expr::value(to_json(policy)?))
        .filter(tenants::Column::Id.eq(tenant_id))
        .filter(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(users::Entity)
                    .and_where(users::Column::TenantId.eq(tenant_id))
                    .to_owned(),
            )
            .not(),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
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
/// The audit events are written in the same transaction.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    tenant_id: i64,
    new_secret_hash: &str,
    now: DateTime<Utc>,
    old_valid_until: DateTime<Utc>,
    audit: (AuditContext, Vec<Event>),
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
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
    txn.commit().await
}
