//! Writing an imported batch of users: under the tenant's lock, each row
//! checked against the users already there, then created, updated or left,
//! in one transaction (all or nothing) or each row on its own.

use chrono::{DateTime, Utc};
use entity::{user_roles, user_tags, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::users::{Duplicate, InsertError, attach};
use crate::domain::{
    audit::event::{AuditContext, Event, Kind, user},
    values::{Role, UserStatus},
};

/// One imported user, every value already validated by the domain.
pub struct ImportRow {
    pub username: String,
    pub username_key: String,
    pub email: Option<String>,
    pub email_key: Option<String>,
    /// Ours (argon2id) or the old system's, verified at the first sign-in.
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub roles: Vec<Role>,
    pub tags: Vec<i64>,
    pub ext_id: Option<i64>,
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// Which of the optional values the row gave: an update changes only those.
    pub given: Given,
}

/// The optional values an imported row gave.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    pub email: bool,
    pub ext_id: bool,
    pub roles: bool,
    pub tags: bool,
    pub metadata: bool,
    pub status: bool,
}

/// What to do with a row whose username, email or ext_id a user already holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnConflict {
    /// The row fails.
    #[default]
    Fail,
    /// The row is left out; the user who holds its username is named.
    Skip,
    /// The user who holds its username takes the row's values, unless another
    /// user holds its email or ext_id.
    Update,
}

/// What became of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Created(i64),
    Updated(i64),
    Skipped(Option<i64>),
    /// Held by another user: nothing written for this row.
    Taken(Vec<Duplicate>),
    /// A tag was deleted meanwhile.
    UnknownTag,
}

impl Written {
    pub fn failed(&self) -> bool {
        matches!(self, Written::Taken(_) | Written::UnknownTag)
    }
}

/// How a batch is written.
pub struct Batch<'a> {
    pub rows: &'a [ImportRow],
    pub on_conflict: OnConflict,
    pub atomic: bool,
    /// The users the call named, valid or not (for the audit events).
    pub size: usize,
    /// The case rule the usernames' keys were made under.
    pub case_insensitive: bool,
}

/// Writes the rows. With `atomic`, one failed row rolls all of them back (the
/// answer still says what each would have been); otherwise every row that can
/// be written is. Each written user gets a `user.imported` event naming the
/// batch's size (and a created one `role.granted` for each role), in the same
/// transaction.
pub async fn write(
    db: &DatabaseConnection,
    tenant_id: i64,
    batch: Batch<'_>,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<Vec<Written>, InsertError> {
    let Batch {
        rows,
        on_conflict,
        atomic,
        size,
        case_insensitive,
    } = batch;
    let txn = db.begin().await?;
    // Registrations and admin changes take this lock first too: no one else
    // writes the tenant's users while the batch is checked and written. The
    // keys were made under the case rule as it was read before: a batch that
    // no longer fits it is not stored.
    let tenant = super::tenants::lock(&txn, tenant_id).await?;
    if tenant.is_none_or(|tenant| tenant.policy.username_case_insensitive != case_insensitive) {
        return Err(InsertError::RulesChanged);
    }
    let mut written = Vec::with_capacity(rows.len());
    for row in rows {
        // A row of its own (a savepoint), so a refused statement leaves the
        // rest of the batch usable on PostgreSQL.
        let step = txn.begin().await?;
        let outcome = write_row(&step, tenant_id, row, on_conflict, now).await?;
        if let Written::Created(id) | Written::Updated(id) = outcome {
            let uuid = users::Entity::find_by_id(id)
                .select_only()
                .column(users::Column::Uuid)
                .into_tuple::<Uuid>()
                .one(&step)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("imported user".to_owned()))?;
            let subject = user(uuid);
            let mut events =
                vec![
                    Event::new(Kind::UserImported, &subject).with_detail(serde_json::json!({
                        "username": row.username,
                        "batch_size": size,
                        "updated": matches!(outcome, Written::Updated(_)),
                    })),
                ];
            if matches!(outcome, Written::Created(_)) || row.given.roles {
                events.extend(row.roles.iter().map(|role| {
                    Event::new(Kind::RoleGranted, &subject)
                        .with_detail(serde_json::json!({"role": role.as_str()}))
                }));
            }
            super::audit::insert(&step, tenant_id, now, audit, &events).await?;
        }
        if outcome.failed() {
            step.rollback().await?;
        } else {
            step.commit().await?;
        }
        written.push(outcome);
    }
    if atomic && written.iter().any(Written::failed) {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(written)
}

async fn write_row(
    db: &DatabaseTransaction,
    tenant_id: i64,
    row: &ImportRow,
    on_conflict: OnConflict,
    now: DateTime<Utc>,
) -> Result<Written, DbErr> {
    let holders = holders(db, tenant_id, row).await?;
    let by_name = holders
        .iter()
        .find(|h| h.username_key == row.username_key)
        .map(|h| h.id);
    let taken: Vec<Duplicate> = [
        (Duplicate::Username, by_name.is_some()),
        (
            Duplicate::Email,
            row.email_key.is_some() && holders.iter().any(|h| h.email_key == row.email_key),
        ),
        (
            Duplicate::ExtId,
            row.ext_id.is_some() && holders.iter().any(|h| h.ext_id == row.ext_id),
        ),
    ]
    .into_iter()
    .filter_map(|(duplicate, held)| held.then_some(duplicate))
    .collect();
    let outcome = match (on_conflict, by_name) {
        _ if taken.is_empty() => create(db, tenant_id, row, now).await.map(Written::Created),
        (OnConflict::Fail, _) => return Ok(Written::Taken(taken)),
        (OnConflict::Skip, held_by) => return Ok(Written::Skipped(held_by)),
        (OnConflict::Update, Some(id)) => {
            // The email and ext_id may be the user's own, never another's.
            let others: Vec<Duplicate> = taken
                .into_iter()
                .filter(|duplicate| *duplicate != Duplicate::Username)
                .filter(|duplicate| {
                    holders.iter().any(|h| {
                        h.id != id
                            && match duplicate {
                                Duplicate::Email => h.email_key == row.email_key,
                                _ => h.ext_id == row.ext_id,
                            }
                    })
                })
                .collect();
            if !others.is_empty() {
                return Ok(Written::Taken(others));
            }
            update(db, tenant_id, id, row, now)
                .await
                .map(|()| Written::Updated(id))
        }
        (OnConflict::Update, None) => return Ok(Written::Taken(taken)),
    };
    match outcome {
        Ok(written) => Ok(written),
        Err(InsertError::UnknownTag) => Ok(Written::UnknownTag),
        Err(InsertError::Duplicate(duplicate)) => Ok(Written::Taken(vec![duplicate])),
        Err(InsertError::Db(err)) => Err(err),
        Err(other) => Err(DbErr::Custom(other.to_string())),
    }
}

struct Holder {
    id: i64,
    username_key: String,
    email_key: Option<String>,
    ext_id: Option<i64>,
}

/// The users of the tenant holding any of the row's unique values.
async fn holders(
    db: &DatabaseTransaction,
    tenant_id: i64,
    row: &ImportRow,
) -> Result<Vec<Holder>, DbErr> {
    let mut wanted = Condition::any().add(users::Column::UsernameKey.eq(&row.username_key));
    if let Some(email_key) = &row.email_key {
        wanted = wanted.add(users::Column::EmailKey.eq(email_key));
    }
    if let Some(ext_id) = row.ext_id {
        wanted = wanted.add(users::Column::ExtId.eq(ext_id));
    }
    let found: Vec<(i64, String, Option<String>, Option<i64>)> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::UsernameKey)
        .column(users::Column::EmailKey)
        .column(users::Column::ExtId)
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(wanted)
        .into_tuple()
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .map(|(id, username_key, email_key, ext_id)| Holder {
            id,
            username_key,
            email_key,
            ext_id,
        })
        .collect())
}

async fn create(
    db: &DatabaseTransaction,
    tenant_id: i64,
    row: &ImportRow,
    now: DateTime<Utc>,
) -> Result<i64, InsertError> {
    let user = users::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        tenant_id: Set(tenant_id),
        ext_id: Set(row.ext_id),
        username: Set(row.username.clone()),
        username_key: Set(row.username_key.clone()),
        email: Set(row.email.clone()),
        email_key: Set(row.email_key.clone()),
        password_hash: Set(row.password_hash.clone()),
        status: Set(row.status.as_str().to_owned()),
        metadata: Set(row.metadata.clone()),
        promo_code_id: Set(None),
        created_at: Set(row.created_at),
        updated_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(super::users::classify)?;
    attach(db, user.id, &row.roles, &row.tags).await?;
    Ok(user.id)
}

/// The user takes the values the row gave and keeps the others. A new
/// password, status or roles end the user's sign-ins (refresh tokens), as an
/// administrator's change does.
async fn update(
    db: &DatabaseTransaction,
    tenant_id: i64,
    id: i64,
    row: &ImportRow,
    now: DateTime<Utc>,
) -> Result<(), InsertError> {
    let given = row.given;
    let mut change = users::Entity::update_many()
        .col_expr(users::Column::Username, Expr::value(row.username.clone()))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Id.eq(id));
    if given.email {
        change = change
            .col_expr(users::Column::Email, Expr::value(row.email.clone()))
            .col_expr(users::Column::EmailKey, Expr::value(row.email_key.clone()));
    }
    if given.ext_id {
        change = change.col_expr(users::Column::ExtId, Expr::value(row.ext_id));
    }
    if given.status {
        change = change.col_expr(users::Column::Status, Expr::value(row.status.as_str()));
    }
    if given.metadata {
        change = change.col_expr(users::Column::Metadata, Expr::value(row.metadata.clone()));
    }
    if let Some(hash) = &row.password_hash {
        change = change.col_expr(users::Column::PasswordHash, Expr::value(hash.clone()));
    }
    change.exec(db).await.map_err(super::users::classify)?;
    if given.roles {
        user_roles::Entity::delete_many()
            .filter(user_roles::Column::UserId.eq(id))
            .exec(db)
            .await?;
    }
    if given.tags {
        user_tags::Entity::delete_many()
            .filter(user_tags::Column::UserId.eq(id))
            .exec(db)
            .await?;
    }
    let roles = if given.roles { &row.roles[..] } else { &[] };
    let tags = if given.tags { &row.tags[..] } else { &[] };
    attach(db, id, roles, tags).await?;
    if row.password_hash.is_some() || given.status || given.roles {
        super::refresh_tokens::revoke_user(db, id, now).await?;
    }
    Ok(())
}

/// One user as `portcullis user export` writes it: what an import takes back.
pub struct Exported {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub ext_id: Option<i64>,
    pub roles: Vec<Role>,
    pub tags: Vec<i64>,
    pub metadata: serde_json::Value,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub password_hash: Option<String>,
}

/// The tenant's users after `after_id`, by id, at most `limit` of them.
pub async fn export_page(
    db: &DatabaseConnection,
    tenant_id: i64,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Exported>, DbErr> {
    use sea_orm::QueryOrder;
    let rows = users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Id.gt(after_id))
        .order_by_asc(users::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut roles = super::user_directory::roles_of_many(db, tenant_id, &ids).await?;
    let tag_rows: Vec<(i64, i64)> = user_tags::Entity::find()
        .select_only()
        .column(user_tags::Column::UserId)
        .column(user_tags::Column::TagId)
        .filter(user_tags::Column::UserId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut tags: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (user_id, tag_id) in tag_rows {
        tags.entry(user_id).or_default().push(tag_id);
    }
    Ok(rows
        .into_iter()
        .map(|row| Exported {
            id: row.id,
            roles: roles.remove(&row.id).unwrap_or_default(),
            tags: tags.remove(&row.id).unwrap_or_default(),
            username: row.username,
            email: row.email,
            ext_id: row.ext_id,
            metadata: row.metadata,
            status: row.status,
            created_at: row.created_at,
            password_hash: row.password_hash,
        })
        .collect())
}
