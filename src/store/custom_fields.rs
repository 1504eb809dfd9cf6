//! Definitions of a tenant's custom user fields (metadata).

use chrono::{DateTime, Utc};
use entity::custom_fields;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

pub async fn of_tenant(
    db: &DatabaseConnection,
    tenant_id: i64,
) -> Result<Vec<custom_fields::Model>, DbErr> {
    custom_fields::Entity::find()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .order_by_asc(custom_fields::Column::Id)
        .all(db)
        .await
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

pub async fn create(
    db: &DatabaseConnection,
    tenant_id: i64,
    field: NewCustomField<'_>,
    now: DateTime<Utc>,
) -> Result<custom_fields::Model, DbErr> {
    custom_fields::ActiveModel {
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
    .await
}

/// Deletes a definition (stored values stay in users' metadata); false when the
/// tenant has no such field.
/// A page of the tenant's definitions, oldest first.
pub async fn page(
    db: &DatabaseConnection,
    tenant_id: i64,
    skip: u64,
    limit: u64,
) -> Result<Vec<custom_fields::Model>, DbErr> {
    custom_fields::Entity::find()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .order_by_asc(custom_fields::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(db)
        .await
}

pub async fn delete(db: &DatabaseConnection, tenant_id: i64, id: i64) -> Result<bool, DbErr> {
    let result = custom_fields::Entity::delete_many()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .filter(custom_fields::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Replaces a definition's rules (its name and type stay); `None` when the
/// tenant has no such field.
pub async fn update(
    db: &DatabaseConnection,
    tenant_id: i64,
    id: i64,
    field: &NewCustomField<'_>,
) -> Result<Option<custom_fields::Model>, DbErr> {
    use sea_orm::sea_query::Expr;
    let result = custom_fields::Entity::update_many()
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
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .filter(custom_fields::Column::Id.eq(id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    custom_fields::Entity::find_by_id(id).one(db).await
}

pub async fn find(
    db: &DatabaseConnection,
    tenant_id: i64,
    id: i64,
) -> Result<Option<custom_fields::Model>, DbErr> {
    custom_fields::Entity::find()
        .filter(custom_fields::Column::TenantId.eq(tenant_id))
        .filter(custom_fields::Column::Id.eq(id))
        .one(db)
        .await
}
