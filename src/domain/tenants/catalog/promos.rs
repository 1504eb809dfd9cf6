//! Promo codes: created, listed, read and changed (partially, by version).

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::{ITEM, audited, expect_version, taken_as};
use crate::{
    domain::{
        Error, FieldError, Page, Problem, Tenant, audit,
        values::{PromoCode, PromoLimits},
    },
    store::{self, codes::NewPromoCode},
};

pub async fn list_promos(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<PromoCode>, Error> {
    Ok(store::codes::list_promos(db, tenant.id, page.skip, page.limit).await?)
}

pub async fn promo(db: &DatabaseConnection, tenant: &Tenant, id: i64) -> Result<PromoCode, Error> {
    store::codes::find_promo_by_id(db, tenant.id, id)
        .await?
        .ok_or(Error::NotFound(ITEM))
}

fn check_promo(limits: &PromoLimits) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if limits.max_redemptions.is_some_and(|max| max < 1) {
        errors.push(FieldError::new("max_redemptions", Problem::Invalid));
    }
    if let (Some(from), Some(until)) = (limits.valid_from, limits.valid_until)
        && until <= from
    {
        errors.push(FieldError::new("valid_until", Problem::Invalid));
    }
    errors
}

pub async fn create_promo(
    db: &DatabaseConnection,
    tenant: &Tenant,
    code: &str,
    limits: PromoLimits,
    now: DateTime<Utc>,
) -> Result<PromoCode, Error> {
    let mut errors = check_promo(&limits);
    let code = code.trim();
    if code.is_empty() || code.chars().count() > 64 || code.chars().any(char::is_whitespace) {
        errors.insert(0, FieldError::new("code", Problem::Invalid));
    }
    if !errors.is_empty() {
        return Err(Error::Rejected(errors));
    }
    audited(db, tenant, now, async |txn| {
        let promo = NewPromoCode { code, limits };
        let model = store::codes::create_promo(txn, tenant.id, promo, now)
            .await
            .map_err(taken_as("code"))?;
        let event = audit::Event::new(audit::Kind::PromoCreated, format!("promo:{}", model.id))
            .with_detail(json!({"code": model.code}));
        Ok((model, vec![event]))
    })
    .await
}

/// A partial change of a promo code: `None` leaves a field as it is; for the
/// limits, `Some(None)` removes one.
#[derive(Debug, Clone, Default)]
pub struct PromoChange {
    pub active: Option<bool>,
    pub max_redemptions: Option<Option<i32>>,
    pub valid_from: Option<Option<DateTime<Utc>>>,
    pub valid_until: Option<Option<DateTime<Utc>>>,
}

/// Changes a promo code's state and limits, merged into the code as stored.
pub async fn update_promo(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    change: PromoChange,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<PromoCode, Error> {
    audited(db, tenant, now, async |txn| {
        let stored = store::codes::lock_promo(txn, tenant.id, id)
            .await?
            .ok_or(Error::NotFound(ITEM))?;
        expect_version(expected_version, stored.version)?;
        let limits = PromoLimits {
            max_redemptions: change
                .max_redemptions
                .unwrap_or(stored.limits.max_redemptions),
            valid_from: change.valid_from.unwrap_or(stored.limits.valid_from),
            valid_until: change.valid_until.unwrap_or(stored.limits.valid_until),
        };
        let errors = check_promo(&limits);
        if !errors.is_empty() {
            return Err(Error::Rejected(errors));
        }
        let active = change.active.unwrap_or(stored.active);
        let model = store::codes::write_promo(txn, tenant.id, id, active, &limits).await?;
        let changed: Vec<&str> = [
            ("active", change.active.is_some()),
            ("max_redemptions", change.max_redemptions.is_some()),
            ("valid_from", change.valid_from.is_some()),
            ("valid_until", change.valid_until.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect();
        let event = audit::Event::new(audit::Kind::PromoUpdated, format!("promo:{id}"))
            .with_detail(json!({"changed": changed}));
        Ok((model, vec![event]))
    })
    .await
}
