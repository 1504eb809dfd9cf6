//! The audit trail: who changed what in a tenant, through which surface and
//! request. The HTTP layer opens a context per request ([`scope`]); whoever
//! authenticates the caller names the actor ([`set_actor`]); each change writes
//! its events in its own transaction, from [`current`].

pub mod event;

use std::{cell::RefCell, future::Future};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

pub use self::event::{AuditContext, Event, Filter, Kind, Recorded, user};
use super::{Error, Page, Tenant};
use crate::store;

tokio::task_local! {
    static CONTEXT: RefCell<AuditContext>;
}

/// Runs a request's handling with its audit context.
pub async fn scope<F: Future>(context: AuditContext, request: F) -> F::Output {
    CONTEXT.scope(RefCell::new(context), request).await
}

/// Names who acts in the current request.
pub fn set_actor(actor: String) {
    let _ = CONTEXT.try_with(|context| context.borrow_mut().actor = actor);
}

pub fn current() -> AuditContext {
    CONTEXT
        .try_with(|context| context.borrow().clone())
        .unwrap_or_else(|_| AuditContext::cli())
}

/// The tenant's events, newest first.
pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    filter: &Filter,
    page: Page,
) -> Result<Vec<Recorded>, Error> {
    Ok(store::audit::list(db, tenant.id, filter, page).await?)
}

/// Writes events that belong to no other change (a failed login) on their own.
pub async fn record(
    db: &DatabaseConnection,
    tenant_id: i64,
    now: DateTime<Utc>,
    events: &[Event],
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    store::audit::insert(&txn, tenant_id, now, &current(), events).await?;
    txn.commit().await
}
