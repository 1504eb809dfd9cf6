//! The deny list of access tokens revoked before they expire.

use chrono::{DateTime, Utc};
use entity::revoked_tokens;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait, sea_query::OnConflict,
};

/// Adds `jti` to the deny list (a second revocation is a no-op) and tells
/// running instances; then drops entries whose tokens have expired anyway.
pub async fn insert(
    db: &DatabaseConnection,
    jti: &str,
    tenant_id: i64,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    revoked_tokens::Entity::insert(revoked_tokens::ActiveModel {
        jti: Set(jti.to_owned()),
        tenant_id: Set(tenant_id),
        revoked_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    })
    .on_conflict(
        // MySQL has no DO NOTHING: there it becomes `UPDATE jti = jti`.
        OnConflict::column(revoked_tokens::Column::Jti)
            .do_nothing_on([revoked_tokens::Column::Jti])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    super::changes::publish(&txn, &super::changes::Change::Revocations, now).await?;
    txn.commit().await?;
    // After the commit, on its own: inside the transaction, InnoDB made this
    // scan wait on rows that concurrent revocations had inserted, and two
    // revocations released at once deadlocked.
    revoked_tokens::Entity::delete_many()
        .filter(revoked_tokens::Column::ExpiresAt.lt(now))
        .exec(db)
        .await
        .map(drop)
}

/// `(jti, expires_at)` of unexpired tokens revoked at or after `since`.
pub async fn revoked_since(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>, DbErr> {
    revoked_tokens::Entity::find()
        .select_only()
        .column(revoked_tokens::Column::Jti)
        .column(revoked_tokens::Column::ExpiresAt)
        .filter(revoked_tokens::Column::RevokedAt.gte(since))
        .filter(revoked_tokens::Column::ExpiresAt.gt(now))
        .into_tuple()
        .all(db)
        .await
}
