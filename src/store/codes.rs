//! Invite and promo codes: lookups for the cheap pre-check, and the conditional
//! UPDATEs that consume them inside the registration transaction, so that a code
//! with `max_uses = 1` admits exactly one user however many try at once.

use chrono::{DateTime, Utc};
use entity::{invite_codes, promo_codes};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::domain::values::{InviteCode, PromoCode, PromoLimits};

fn invite_code(row: invite_codes::Model) -> InviteCode {
    InviteCode {
        id: row.id,
        max_uses: row.max_uses,
        uses: row.uses,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        created_at: row.created_at,
    }
}

fn promo_code(row: promo_codes::Model) -> PromoCode {
    PromoCode {
        id: row.id,
        code: row.code,
        limits: PromoLimits {
            max_redemptions: row.max_redemptions,
            valid_from: row.valid_from,
            valid_until: row.valid_until,
        },
        redemptions: row.redemptions,
        active: row.active,
        created_at: row.created_at,
        version: row.version,
    }
}

fn invite_usable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(invite_codes::Column::RevokedAt.is_null())
        .add(Expr::col(invite_codes::Column::Uses).lt(Expr::col(invite_codes::Column::MaxUses)))
        .add(
            Condition::any()
                .add(invite_codes::Column::ExpiresAt.is_null())
                .add(invite_codes::Column::ExpiresAt.gt(now)),
        )
}

fn promo_usable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(promo_codes::Column::Active.eq(true))
        .add(
            Condition::any()
                .add(promo_codes::Column::MaxRedemptions.is_null())
                .add(
                    Expr::col(promo_codes::Column::Redemptions)
                        .lt(Expr::col(promo_codes::Column::MaxRedemptions)),
                ),
        )
        .add(
            Condition::any()
                .add(promo_codes::Column::ValidFrom.is_null())
                .add(promo_codes::Column::ValidFrom.lte(now)),
        )
        .add(
            Condition::any()
                .add(promo_codes::Column::ValidUntil.is_null())
                .add(promo_codes::Column::ValidUntil.gt(now)),
        )
}

/// The tenant's invite code with this hash, whatever its state.
pub async fn find_invite<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    code_hash: &str,
) -> Result<Option<InviteCode>, DbErr> {
    let row = invite_codes::Entity::find()
        .filter(invite_codes::Column::TenantId.eq(tenant_id))
        .filter(invite_codes::Column::CodeHash.eq(code_hash))
        .one(db)
        .await?;
    Ok(row.map(invite_code))
}

/// Uses the invite code once, if it is still usable; false otherwise.
pub async fn consume_invite<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = invite_codes::Entity::update_many()
        .col_expr(
            invite_codes::Column::Uses,
            Expr::col(invite_codes::Column::Uses).add(1),
        )
        .filter(invite_codes::Column::TenantId.eq(tenant_id))
        .filter(invite_codes::Column::CodeHash.eq(code_hash))
        .filter(invite_usable(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The tenant's promo code with this text, whatever its state.
pub async fn find_promo<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    code: &str,
) -> Result<Option<PromoCode>, DbErr> {
    let row = promo_codes::Entity::find()
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .filter(promo_codes::Column::Code.eq(code))
        .one(db)
        .await?;
    Ok(row.map(promo_code))
}

/// Redeems the promo code once, if it is still redeemable; false otherwise.
pub async fn redeem_promo<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = promo_codes::Entity::update_many()
        .col_expr(
            promo_codes::Column::Redemptions,
            Expr::col(promo_codes::Column::Redemptions).add(1),
        )
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .filter(promo_codes::Column::Id.eq(id))
        .filter(promo_usable(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn create_invite<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    code_hash: &str,
    max_uses: i32,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<InviteCode, DbErr> {
    let row = invite_codes::ActiveModel {
        tenant_id: Set(tenant_id),
        code_hash: Set(code_hash.to_owned()),
        max_uses: Set(max_uses),
        uses: Set(0),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(invite_code(row))
}

/// A promo code as its creator defines it.
pub struct NewPromoCode<'a> {
    pub code: &'a str,
    pub limits: PromoLimits,
}

pub async fn create_promo<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    promo: NewPromoCode<'_>,
    now: DateTime<Utc>,
) -> Result<PromoCode, DbErr> {
    let row = promo_codes::ActiveModel {
        tenant_id: Set(tenant_id),
        code: Set(promo.code.to_owned()),
        max_redemptions: Set(promo.limits.max_redemptions),
        redemptions: Set(0),
        valid_from: Set(promo.limits.valid_from),
        valid_until: Set(promo.limits.valid_until),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(promo_code(row))
}

/// The tenant's promo code with this id.
pub async fn find_promo_by_id<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
) -> Result<Option<PromoCode>, DbErr> {
    let row = promo_codes::Entity::find()
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .filter(promo_codes::Column::Id.eq(id))
        .one(db)
        .await?;
    Ok(row.map(promo_code))
}

/// Takes the promo code's row lock for the rest of the transaction (a write
/// first, for SQLite's sake), then reads it as it stands.
pub async fn lock_promo<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
) -> Result<Option<PromoCode>, DbErr> {
    promo_codes::Entity::update_many()
        .col_expr(
            promo_codes::Column::Version,
            Expr::col(promo_codes::Column::Version),
        )
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .filter(promo_codes::Column::Id.eq(id))
        .exec(db)
        .await?;
    find_promo_by_id(db, tenant_id, id).await
}

/// Writes a promo code's state and limits, bumping its version (the row is
/// locked by [`lock_promo`]).
pub async fn write_promo<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
    active: bool,
    limits: &PromoLimits,
) -> Result<PromoCode, DbErr> {
    promo_codes::Entity::update_many()
        .col_expr(promo_codes::Column::Active, Expr::value(active))
        .col_expr(
            promo_codes::Column::MaxRedemptions,
            Expr::value(limits.max_redemptions),
        )
        .col_expr(
            promo_codes::Column::ValidFrom,
            Expr::value(limits.valid_from),
        )
        .col_expr(
            promo_codes::Column::ValidUntil,
            Expr::value(limits.valid_until),
        )
        .col_expr(
            promo_codes::Column::Version,
            Expr::col(promo_codes::Column::Version).add(1),
        )
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .filter(promo_codes::Column::Id.eq(id))
        .exec(db)
        .await?;
    find_promo_by_id(db, tenant_id, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("promo code {id}")))
}

pub async fn list_promos(
    db: &DatabaseConnection,
    tenant_id: i64,
    skip: u64,
    limit: u64,
) -> Result<Vec<PromoCode>, DbErr> {
    let rows = promo_codes::Entity::find()
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .order_by_asc(promo_codes::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(promo_code).collect())
}

pub async fn list_invites(
    db: &DatabaseConnection,
    tenant_id: i64,
    skip: u64,
    limit: u64,
) -> Result<Vec<InviteCode>, DbErr> {
    let rows = invite_codes::Entity::find()
        .filter(invite_codes::Column::TenantId.eq(tenant_id))
        .order_by_asc(invite_codes::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(invite_code).collect())
}

/// Revokes an invite code; false when the tenant has no such unrevoked code.
pub async fn revoke_invite<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = invite_codes::Entity::update_many()
        .col_expr(invite_codes::Column::RevokedAt, Expr::value(now))
        .filter(invite_codes::Column::TenantId.eq(tenant_id))
        .filter(invite_codes::Column::Id.eq(id))
        .filter(invite_codes::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
