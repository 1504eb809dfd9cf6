//! Definitions of a tenant's custom user fields (metadata).

use chrono::{DateTime, Utc};
use entity::custom_fields;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::domain::values::CustomField;

fn definition(row: custom_fields::Model) -> CustomField {
    CustomField {
        id: row.id,
        name: row.name,
        field_type: row.field_type,
        required: row.required,
        max_length: row.max_length,
        pattern: row.pattern,
        choices: row.choices,
        created_at: row.created_at,
        version: row.version,
    }
}

pub async fn of_tenant(db: &DatabaseConnection, tenant_id: i64) -> Result<Vec<CustomField>, DbErr> {
    let rows = custom_fields::Entity::find()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .order_by_asc(custom_fields::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(definition).collect())
}

/// A field definition, already validated by the domain.
pub struct NewCustomField<'a> {
    pub name: &'a str,
    pub field_type: &'a str,
    pub required: bool,
    pub max_length: Option<i32>,
    pub pattern: Option<&'a str>,
    pub choices: Option<serde_json::Value>,
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    field: NewCustomField<'_>,
    now: DateTime<Utc>,
) -> Result<CustomField, DbErr> {
    let row = custom_fields::ActiveModel {
        tenant_id: Set(tenant_id),
        name: Set(field.name.to_owned()),
        field_type: Set(field.field_type.to_owned()),
        required: Set(field.required),
        max_length: Set(field.max_length),
        pattern: Set(field.pattern.map(str::to_owned)),
        choices: Set(field.choices),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(definition(row))
}

/// A page of the tenant's definitions, oldest first.
pub async fn page(
    db: &DatabaseConnection,
    tenant_id: i64,
    skip: u64,
    limit: u64,
) -> Result<Vec<CustomField>, DbErr> {
    let rows = custom_fields::Entity::find()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .order_by_asc(custom_fields::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(definition).collect())
}

/// Deletes a definition (stored values stay in users' metadata); false when the
/// tenant has no such field.
pub async fn delete<C: ConnectionTrait>(db: &C, tenant_id: i64, id: i64) -> Result<bool, DbErr> {
    let result = custom_fields::Entity::delete_many()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .filter(custom_fields::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Takes the definition's row lock for the rest of the transaction (a write
/// first, for SQLite's sake), then reads it as it stands.
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
) -> Result<Option<CustomField>, DbErr> {
    custom_fields::Entity::update_many()
        .col_expr(
            custom_fields::Column::Version,
            Expr::col(custom_fields::Column::Version),
        )
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .filter(custom_fields::Column::Id.eq(id))
        .exec(db)
        .await?;
    find(db, tenant_id, id).await
}

/// Writes a definition's rules (its name and type stay), bumping its version
/// (the row is locked by [`lock`]).
pub async fn write<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
    field: &NewCustomField<'_>,
) -> Result<CustomField, DbErr> {
    custom_fields::Entity::update_many()
        .col_expr(custom_fields::Column::Required, Expr::value(field.required))
        .col_expr(
            custom_fields::Column::MaxLength,
            Expr::value(field.max_length),
        )
        .col_expr(custom_fields::Column::Pattern, Expr::value(field.pattern))
        .col_expr(
            custom_fields::Column::Choices,
            Expr::value(field.choices.clone()),
        )
        .col_expr(
            custom_fields::Column::Version,
            Expr::col(custom_fields::Column::Version).add(1),
        )
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .filter(custom_fields::Column::Id.eq(id))
        .exec(db)
        .await?;
    find(db, tenant_id, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("custom field {id}")))
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
) -> Result<Option<CustomField>, DbErr> {
    let row = custom_fields::Entity::find()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .filter(custom_fields::Column::Id.eq(id))
        .one(db)
        .await?;
    Ok(row.map(definition))
}
