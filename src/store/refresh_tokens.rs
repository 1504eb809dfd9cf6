//! Opaque refresh tokens, stored by hash and rotated on every use.

use chrono::{DateTime, Utc};
use entity::refresh_tokens;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, sea_query::Expr,
};
use uuid::Uuid;

use crate::domain::values::RefreshToken;

pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub family: Uuid,
    pub tenant_id: i64,
    pub user_id: i64,
    pub scope: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores the token, in the caller's transaction, spending the token it
/// `replaces` (a rotation) there too. False, and nothing stored, when that one
/// was spent or revoked already: a replay, or a refresh raced by another.
pub async fn issue<C: ConnectionTrait>(
    db: &C,
    token: NewRefreshToken<'_>,
    replaces: Option<i64>,
) -> Result<bool, DbErr> {
    if let Some(spent) = replaces
        && !mark_used(db, spent, token.now).await?
    {
        return Ok(false);
    }
    refresh_tokens::ActiveModel {
        token_hash: Set(token.token_hash.to_owned()),
        family: Set(token.family),
        tenant_id: Set(token.tenant_id),
        user_id: Set(token.user_id),
        scope: Set(token.scope.to_owned()),
        created_at: Set(token.now),
        expires_at: Set(token.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(true)
}

pub async fn find(
    db: &DatabaseConnection,
    token_hash: &str,
) -> Result<Option<RefreshToken>, DbErr> {
    let row = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?;
    Ok(row.map(|row| RefreshToken {
        id: row.id,
        family: row.family,
        tenant_id: row.tenant_id,
        user_id: row.user_id,
        scope: row.scope,
        created_at: row.created_at,
        expires_at: row.expires_at,
        used_at: row.used_at,
        revoked_at: row.revoked_at,
    }))
}

/// Marks the token used if nobody has used or revoked it yet; false means it was
/// already spent (a replay, or a race lost to a concurrent refresh).
async fn mark_used<C: ConnectionTrait>(db: &C, id: i64, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes every token of a family (on reuse of a spent token).
pub async fn revoke_family<C: ConnectionTrait>(
    db: &C,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Family.eq(family))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Revokes every live refresh token of a user (their password, status or roles
/// changed: existing logins must not outlive that).
pub async fn revoke_user<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
