//! `audit_events`: written inside the transaction of the change they record.
//!
//! Every writer takes the tenant's row lock before its events get their ids, and
//! holds it until it commits, so within a tenant ids are handed out in commit
//! order: a reader that follows `after=<id>` never skips an event committed
//! after it read (a timestamp, stamped before a commit, could).

use chrono::{DateTime, Utc};
use entity::audit_events;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::{
    audit::event::{AuditContext, Event, Filter, Recorded},
    values::Page,
};

const EVENTS_PER_STATEMENT: usize = 500;

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    now: DateTime<Utc>,
    context: &AuditContext,
    events: &[Event],
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    super::tenants::lock_row(db, tenant_id).await?;
    // In chunks: one statement binds 8 values a row, and databases bound the
    // values of a statement (SQLite at 32,766).
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        audit_events::Entity::insert_many(chunk.iter().map(|event| audit_events::ActiveModel {
            tenant_id: Set(tenant_id),
            occurred_at: Set(now),
            event_type: Set(event.kind.as_str().to_owned()),
            actor: Set(context.actor.clone()),
            subject: Set(event.subject.clone()),
            surface: Set(context.surface.to_owned()),
            request_id: Set(context.request_id.clone()),
            detail: Set(event.detail.clone()),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant_id: i64,
    filter: &Filter,
    page: Page,
) -> Result<Vec<Recorded>, DbErr> {
    let mut query =
        audit_events::Entity::find().filter(audit_events::Column::TenantId.eq(tenant_id));
    if let Some(kind) = filter.kind {
        query = query.filter(audit_events::Column::EventType.eq(kind.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_events::Column::OccurredAt.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::Column::OccurredAt.lt(until));
    }
    query = match filter.after {
        Some(after) => query
            .filter(audit_events::Column::Id.gt(after))
            .order_by_asc(audit_events::Column::Id),
        None => query
            .order_by_desc(audit_events::Column::OccurredAt)
            .order_by_desc(audit_events::Column::Id),
    };
    let rows = query.offset(page.skip).limit(page.limit).all(db).await?;
    Ok(rows.into_iter().map(recorded).collect())
}

fn recorded(row: audit_events::Model) -> Recorded {
    Recorded {
        id: row.id,
        occurred_at: row.occurred_at,
        kind: row.event_type,
        actor: row.actor,
        subject: row.subject,
        surface: row.surface,
        request_id: row.request_id,
        detail: row.detail,
    }
}
