//! The audit trail: who changed what in a tenant, through which surface and
//! request. The HTTP layer opens a context per request ([`scope`]); whoever
//! authenticates the caller names the actor ([`set_actor`]); each change writes
//! its events in its own transaction, from [`current`].

use std::{cell::RefCell, future::Future};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde_json::Value;

use super::{Page, Tenant};
use crate::store;

/// Where a change comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor: String,
    pub surface: &'static str,
    pub request_id: Option<String>,
}

impl AuditContext {
    /// A request nobody has authenticated (yet).
    pub fn anonymous(surface: &'static str, request_id: String) -> Self {
        Self {
            actor: "anonymous".to_owned(),
            surface,
            request_id: Some(request_id),
        }
    }

    /// The command line, and anything else outside a request.
    fn cli() -> Self {
        Self {
            actor: "cli".to_owned(),
            surface: "cli",
            request_id: None,
        }
    }
}

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

/// How events and actors name a user: by the id the APIs show.
pub fn user(uuid: uuid::Uuid) -> String {
    format!("user:{uuid}")
}

/// One event about to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_type: &'static str,
    pub subject: Option<String>,
    pub detail: Option<Value>,
}

impl Event {
    pub fn new(event_type: &'static str, subject: impl Into<String>) -> Self {
        Self {
            event_type,
            subject: Some(subject.into()),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// The event types, for filters and documentation.
pub const EVENT_TYPES: &[&str] = &[
    "user.created",
    "user.updated",
    "user.deleted",
    "role.granted",
    "invite.consumed",
    "promo.redeemed",
    "login.failed",
    "token.issued",
    "token.revoked",
    "secret.rotated",
    "policy.updated",
    "invite.created",
    "invite.revoked",
    "promo.created",
    "promo.updated",
    "tag.created",
    "tag.renamed",
    "tag.deleted",
    "field.created",
    "field.updated",
    "field.deleted",
];

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub event_type: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Events after this id, oldest first (a cursor that skips nothing).
    pub after: Option<i64>,
}

/// The tenant's events, newest first.
pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    filter: &Filter,
    page: Page,
) -> Result<Vec<entity::audit_events::Model>, DbErr> {
    store::audit::list(db, tenant.id, filter, page).await
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
