//! Tags users may carry: created, listed, renamed and deleted.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::{ITEM, audited, rejected, taken_as};
use crate::{
    domain::{Error, Page, Problem, Tenant, audit, values::Tag},
    store::{self},
};

pub async fn list_tags(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<Tag>, Error> {
    Ok(store::tags::list(db, tenant.id, page.skip, page.limit).await?)
}

fn tag_name(name: &str) -> Result<&str, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(rejected("name", Problem::Invalid));
    }
    Ok(name)
}

pub async fn create_tag(
    db: &DatabaseConnection,
    tenant: &Tenant,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Tag, Error> {
    let name = tag_name(name)?;
    audited(db, tenant, now, async |txn| {
        let model = store::tags::create(txn, tenant.id, name, now)
            .await
            .map_err(taken_as("name"))?;
        let event = audit::Event::new(audit::Kind::TagCreated, format!("tag:{}", model.id))
            .with_detail(json!({"name": model.name}));
        Ok((model, vec![event]))
    })
    .await
}

pub async fn rename_tag(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Tag, Error> {
    let name = tag_name(name)?;
    audited(db, tenant, now, async |txn| {
        let model = store::tags::rename(txn, tenant.id, id, name)
            .await
            .map_err(taken_as("name"))?
            .ok_or(Error::NotFound(ITEM))?;
        let event = audit::Event::new(audit::Kind::TagRenamed, format!("tag:{id}"))
            .with_detail(json!({"name": model.name}));
        Ok((model, vec![event]))
    })
    .await
}

/// Deletes a tag; users carrying it lose it, each with a `user.updated` event.
pub async fn delete_tag(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audited(db, tenant, now, async |txn| {
        if !store::tags::lock(txn, tenant.id, id).await? {
            return Err(Error::NotFound(ITEM));
        }
        let holders = store::tags::holders(txn, tenant.id, id).await?;
        store::tags::delete(txn, tenant.id, id).await?;
        let mut events = vec![audit::Event::new(
            audit::Kind::TagDeleted,
            format!("tag:{id}"),
        )];
        events.extend(holders.into_iter().map(|uuid| {
            audit::Event::new(audit::Kind::UserUpdated, audit::user(uuid))
                .with_detail(json!({"changed": ["tags"], "tag_deleted": id}))
        }));
        Ok(((), events))
    })
    .await
}
