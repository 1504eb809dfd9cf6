//! A tenant's tags, and which users carry them.

use chrono::{DateTime, Utc};
use entity::tags;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::values::Tag;

fn tag(row: tags::Model) -> Tag {
    Tag {
        id: row.id,
        name: row.name,
        created_at: row.created_at,
    }
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Tag, DbErr> {
    let row = tags::ActiveModel {
        tenant_id: Set(tenant_id),
        name: Set(name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(tag(row))
}

/// Which of `ids` are tags of the tenant.
pub async fn existing(
    db: &DatabaseConnection,
    tenant_id: i64,
    ids: &[i64],
) -> Result<Vec<i64>, DbErr> {
    tags::Entity::find()
        .select_only()
        .column(tags::Column::Id)
        .filter(tags::Column::TenantId.eq(tenant_id))
        .filter(tags::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

pub async fn list(
    db: &DatabaseConnection,
    tenant_id: i64,
    skip: u64,
    limit: u64,
) -> Result<Vec<Tag>, DbErr> {
    let rows = tags::Entity::find()
        .filter(tags::Column::TenantId.eq(tenant_id))
        .order_by_asc(tags::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(tag).collect())
}

/// Deletes a tag (users lose it); false when the tenant has no such tag.
/// Takes the tag's row lock for the rest of the transaction (a write, so that
/// SQLite takes its write lock before the reads that follow); false when the
/// tenant has no such tag.
pub async fn lock<C: ConnectionTrait>(db: &C, tenant_id: i64, id: i64) -> Result<bool, DbErr> {
    let result = tags::Entity::update_many()
        .col_expr(
            tags::Column::Name,
            sea_orm::sea_query::Expr::col(tags::Column::Name),
        )
        .filter(tags::Column::TenantId.eq(tenant_id))
        .filter(tags::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The users of the tenant who carry the tag.
pub async fn holders<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    tag_id: i64,
) -> Result<Vec<uuid::Uuid>, DbErr> {
    use entity::{user_tags, users};
    use sea_orm::sea_query::Query;
    users::Entity::find()
        .select_only()
        .column(users::Column::Uuid)
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(
            users::Column::Id.in_subquery(
                Query::select()
                    .column(user_tags::Column::UserId)
                    .from(user_tags::Entity)
                    .and_where(user_tags::Column::TagId.eq(tag_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await
}

pub async fn delete<C: ConnectionTrait>(db: &C, tenant_id: i64, id: i64) -> Result<bool, DbErr> {
    let result = tags::Entity::delete_many()
        .filter(tags::Column::TenantId.eq(tenant_id))
        .filter(tags::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Renames a tag; `None` when the tenant has no such tag.
pub async fn rename<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
    name: &str,
) -> Result<Option<Tag>, DbErr> {
    let result = tags::Entity::update_many()
        .col_expr(tags::Column::Name, sea_orm::sea_query::Expr::value(name))
        .filter(tags::Column::TenantId.eq(tenant_id))
        .filter(tags::Column::Id.eq(id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    let row = tags::Entity::find()
        .filter(tags::Column::TenantId.eq(tenant_id))
        .filter(tags::Column::Id.eq(id))
        .one(db)
        .await?;
    Ok(row.map(tag))
}
