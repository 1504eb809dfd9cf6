//! Token signing keys.

use chrono::{DateTime, Utc};
use entity::signing_keys;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// Keys that still verify, oldest first (the newest one signs).
pub async fn active(db: &DatabaseConnection) -> Result<Vec<signing_keys::Model>, DbErr> {
    signing_keys::Entity::find()
        .filter(signing_keys::Column::RetiredAt.is_null())
        .order_by_asc(signing_keys::Column::Id)
        .all(db)
        .await
}

/// Every key, retired ones included, oldest first.
pub async fn all(db: &DatabaseConnection) -> Result<Vec<signing_keys::Model>, DbErr> {
    signing_keys::Entity::find()
        .order_by_asc(signing_keys::Column::Id)
        .all(db)
        .await
}

/// Replaces a key's stored private key (when it gets sealed).
pub async fn set_private_key(db: &DatabaseConnection, id: i64, stored: &str) -> Result<(), DbErr> {
    signing_keys::Entity::update_many()
        .col_expr(
            signing_keys::Column::PrivateKey,
            sea_orm::sea_query::Expr::value(stored),
        )
        .filter(signing_keys::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

pub async fn insert(
    db: &DatabaseConnection,
    kid: &str,
    private_key: &str,
    public_key: &str,
    now: DateTime<Utc>,
) -> Result<signing_keys::Model, DbErr> {
    signing_keys::ActiveModel {
        kid: Set(kid.to_owned()),
        algorithm: Set("EdDSA".to_owned()),
        private_key: Set(private_key.to_owned()),
        public_key: Set(public_key.to_owned()),
        created_at: Set(now),
        retired_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Retires a key: it no longer signs or verifies. Returns whether it existed.
pub async fn retire(db: &DatabaseConnection, kid: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = signing_keys::Entity::update_many()
        .col_expr(
            signing_keys::Column::RetiredAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(signing_keys::Column::Kid.eq(kid))
        .filter(signing_keys::Column::RetiredAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}
