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
) -> Result<Option<invite_codes::Model>, DbErr> {
    invite_codes::Entity::find()
        .filter(invite_codes::Column::TenantId.eq(tenant_id))
        .filter(invite_codes::Column::CodeHash.eq(code_hash))
        .one(db)
        .await
}

/// Whether the invite code can still be used at `now`.
pub fn invite_is_usable(code: &invite_codes::Model, now: DateTime<Utc>) -> bool {
    code.revoked_at.is_none()
        && code.uses < code.max_uses
        && code.expires_at.is_none_or(|at| at > now)
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
) -> Result<Option<promo_codes::Model>, DbErr> {
    promo_codes::Entity::find()
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .filter(promo_codes::Column::Code.eq(code))
        .one(db)
        .await
}

/// Whether the promo code can be redeemed at `now`.
pub fn promo_is_usable(code: &promo_codes::Model, now: DateTime<Utc>) -> bool {
    code.active
        && code
            .max_redemptions
            .is_none_or(|max| code.redemptions < max)
        && code.valid_from.is_none_or(|from| from <= now)
        && code.valid_until.is_none_or(|until| until > now)
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
) -> Result<invite_codes::Model, DbErr> {
    invite_codes::ActiveModel {
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
    .await
}

/// How often and when a promo code may be redeemed.
#[derive(Debug, Clone, Default)]
pub struct PromoLimits {
    /// `None`: unlimited.
    pub max_redemptions: Option<i32>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
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
) -> Result<promo_codes::Model, DbErr> {
    promo_codes::ActiveModel {
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
    .await
}

/// The tenant's promo code with this id.
pub async fn find_promo_by_id<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
) -> Result<Option<promo_codes::Model>, DbErr> {
    promo_codes::Entity::find()
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .filter(promo_codes::Column::Id.eq(id))
        .one(db)
        .await
}

/// Takes the promo code's row lock for the rest of the transaction (a write
/// first, for SQLite's sake), then reads it as it stands.
pub async fn lock_promo<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    id: i64,
) -> Result<Option<promo_codes::Model>, DbErr> {
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
) -> Result<promo_codes::Model, DbErr> {
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
) -> Result<Vec<promo_codes::Model>, DbErr> {
    promo_codes::Entity::find()
        .filter(promo_codes::Column::TenantId.eq(tenant_id))
        .order_by_asc(promo_codes::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(db)
        .await
}

pub async fn list_invites(
    db: &DatabaseConnection,
    tenant_id: i64,
    skip: u64,
    limit: u64,
) -> Result<Vec<invite_codes::Model>, DbErr> {
    invite_codes::Entity::find()
        .filter(invite_codes::Column::TenantId.eq(tenant_id))
        .order_by_asc(invite_codes::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(db)
        .await
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
