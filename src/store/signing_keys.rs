//! Token signing keys.

use chrono::{DateTime, Utc};
use entity::signing_keys;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait, sea_query::Expr,
};

use super::changes::Change;
use crate::domain::values::SigningKey;

fn signing_key(row: signing_keys::Model) -> SigningKey {
    SigningKey {
        id: row.id,
        kid: row.kid,
        algorithm: row.algorithm,
        private_key: row.private_key,
        public_key: row.public_key,
        created_at: row.created_at,
        retired_at: row.retired_at,
    }
}

/// Keys that still verify, oldest first (the newest one signs).
pub async fn active(db: &DatabaseConnection) -> Result<Vec<SigningKey>, DbErr> {
    let rows = signing_keys::Entity::find()
        .filter(signing_keys::Column::RetiredAt.is_null())
        .order_by_asc(signing_keys::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(signing_key).collect())
}

/// Every key, retired ones included, oldest first.
pub async fn all(db: &DatabaseConnection) -> Result<Vec<SigningKey>, DbErr> {
    let rows = signing_keys::Entity::find()
        .order_by_asc(signing_keys::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(signing_key).collect())
}

/// Replaces a key's stored private key (when it gets sealed).
pub async fn set_private_key(db: &DatabaseConnection, id: i64, stored: &str) -> Result<(), DbErr> {
    signing_keys::Entity::update_many()
        .col_expr(signing_keys::Column::PrivateKey, Expr::value(stored))
        .filter(signing_keys::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// Stores a new key (which becomes the signing key) and tells running instances.
pub async fn insert(
    db: &DatabaseConnection,
    kid: &str,
    private_key: &str,
    public_key: &str,
    now: DateTime<Utc>,
) -> Result<SigningKey, DbErr> {
    let txn = db.begin().await?;
    let key = signing_keys::ActiveModel {
        kid: Set(kid.to_owned()),
        algorithm: Set("EdDSA".to_owned()),
        private_key: Set(private_key.to_owned()),
        public_key: Set(public_key.to_owned()),
        created_at: Set(now),
        retired_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    super::changes::publish(&txn, &Change::Keys, now).await?;
    txn.commit().await?;
    Ok(signing_key(key))
}

/// What retiring a key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retired {
    Retired,
    /// No active key has that id.
    Unknown,
    /// It is the only active key: something must still sign.
    LastActive,
}

/// Retires a key: it no longer signs or verifies. The active keys are locked and
/// counted in the same transaction, so two retirements at once cannot leave
/// none; running instances are told.
pub async fn retire(
    db: &DatabaseConnection,
    kid: &str,
    now: DateTime<Utc>,
) -> Result<Retired, DbErr> {
    let txn = db.begin().await?;
    let active = Expr::col(signing_keys::Column::RetiredAt);
    signing_keys::Entity::update_many()
        .col_expr(signing_keys::Column::RetiredAt, active)
        .filter(signing_keys::Column::RetiredAt.is_null())
        .exec(&txn)
        .await?;
    let kids: Vec<String> = signing_keys::Entity::find()
        .select_only()
        .column(signing_keys::Column::Kid)
        .filter(signing_keys::Column::RetiredAt.is_null())
        .into_tuple()
        .all(&txn)
        .await?;
    if !kids.iter().any(|active| active == kid) {
        return Ok(Retired::Unknown);
    }
    if kids.len() == 1 {
        return Ok(Retired::LastActive);
    }
    signing_keys::Entity::update_many()
        .col_expr(signing_keys::Column::RetiredAt, Expr::value(now))
        .filter(signing_keys::Column::Kid.eq(kid))
        .exec(&txn)
        .await?;
    super::changes::publish(&txn, &Change::Keys, now).await?;
    txn.commit().await?;
    Ok(Retired::Retired)
}
