//! What a tenant's administrators manage besides users: invite codes, promo
//! codes, tags and custom field definitions, each validated here and always
//! scoped to the administrator's tenant. Every change writes its audit event in
//! its own transaction; a promo code's or a field's change is partial, merged
//! into the row as stored (locked), and may name the version it expects.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, SqlErr, TransactionTrait};

use crate::{
    domain::{Error, FieldError, Problem, Tenant, audit},
    store,
};

mod fields;
mod invites;
mod promos;
mod tags;

pub use crate::domain::values::PromoLimits;
pub use fields::*;
pub use invites::*;
pub use promos::*;
pub use tags::*;

/// What a missing item is called.
pub(super) const ITEM: &str = "item in your tenant";

pub(super) fn rejected(field: &'static str, problem: Problem) -> Error {
    Error::Rejected(vec![FieldError::new(field, problem)])
}

/// A unique-index violation on `field` is a `Taken` problem; anything else stays
/// a storage error.
pub(super) fn taken_as(field: &'static str) -> impl Fn(DbErr) -> Error {
    move |err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => rejected(field, Problem::Taken),
        _ => err.into(),
    }
}

/// Runs `change` and writes the audit event it describes in one transaction.
pub(super) async fn audited<T>(
    db: &DatabaseConnection,
    tenant: &Tenant,
    now: DateTime<Utc>,
    change: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(T, Vec<audit::Event>), Error>,
) -> Result<T, Error> {
    let txn = db.begin().await?;
    // The tenant first: see `store::users::lock` for the order of locks.
    store::tenants::lock_row(&txn, tenant.id).await?;
    let (done, events) = change(&txn).await?;
    store::audit::insert(&txn, tenant.id, now, &audit::current(), &events).await?;
    txn.commit().await?;
    Ok(done)
}

/// The version a caller expects, checked against the stored one.
pub(super) fn expect_version(expected: Option<i64>, stored: i64) -> Result<(), Error> {
    match expected {
        Some(expected) if expected != stored => Err(Error::Conflict),
        _ => Ok(()),
    }
}
