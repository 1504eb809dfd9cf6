//! What a tenant's administrators manage besides users: invite codes, promo
//! codes, tags and custom field definitions, each validated here and always
//! scoped to the administrator's tenant. Every change writes its audit event in
//! its own transaction; a promo code's or a field's change is partial, merged
//! into the row as stored (locked), and may name the version it expects.

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, SqlErr, TransactionTrait};
use serde_json::{Value, json};

pub use super::values::PromoLimits;
use super::{
    Error, FieldError, Page, Problem, Tenant, audit,
    custom_fields::{FieldType, compile_pattern},
    values::{CustomField, InviteCode, PromoCode, Tag},
};
use crate::{
    auth::secrets::hash_secret,
    store::{self, codes::NewPromoCode, custom_fields::NewCustomField},
};

/// Names a custom field cannot take: the account surface's own fields.
const RESERVED_NAMES: [&str; 11] = [
    "id",
    "username",
    "email",
    "password",
    "invite_code",
    "promo_code",
    "ext_id",
    "role",
    "tags",
    "status",
    "date_joined",
];

/// Invite codes are 20 characters of an unambiguous alphabet (about 100 bits).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 20;

/// What a missing item is called.
const ITEM: &str = "item in your tenant";

fn rejected(field: &'static str, problem: Problem) -> Error {
    Error::Rejected(vec![FieldError::new(field, problem)])
}

/// A unique-index violation on `field` is a `Taken` problem; anything else stays
/// a storage error.
fn taken_as(field: &'static str) -> impl Fn(DbErr) -> Error {
    move |err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => rejected(field, Problem::Taken),
        _ => err.into(),
    }
}

/// Runs `change` and writes the audit event it describes in one transaction.
async fn audited<T>(
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
fn expect_version(expected: Option<i64>, stored: i64) -> Result<(), Error> {
    match expected {
        Some(expected) if expected != stored => Err(Error::Conflict),
        _ => Ok(()),
    }
}

pub async fn list_invites(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<InviteCode>, Error> {
    Ok(store::codes::list_invites(db, tenant.id, page.skip, page.limit).await?)
}

fn generate_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// Issues an invite code; the code itself is returned once and stored hashed.
pub async fn issue_invite(
    db: &DatabaseConnection,
    tenant: &Tenant,
    max_uses: i32,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(String, InviteCode), Error> {
    if !(1..=1_000_000).contains(&max_uses) {
        return Err(rejected("max_uses", Problem::Invalid));
    }
    if expires_at.is_some_and(|at| at <= now) {
        return Err(rejected("expires_at", Problem::Invalid));
    }
    let code = generate_code();
    let hash = hash_secret(&code);
    let model = audited(db, tenant, now, async |txn| {
        let model =
            store::codes::create_invite(txn, tenant.id, &hash, max_uses, expires_at, now).await?;
        let event = audit::Event::new(audit::Kind::InviteCreated, format!("invite:{}", model.id))
            .with_detail(json!({"max_uses": max_uses, "expires_at": expires_at}));
        Ok((model, vec![event]))
    })
    .await?;
    Ok((code, model))
}

/// Revokes an unrevoked invite code of the tenant.
pub async fn revoke_invite(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audited(db, tenant, now, async |txn| {
        if !store::codes::revoke_invite(txn, tenant.id, id, now).await? {
            return Err(Error::NotFound(ITEM));
        }
        Ok((
            (),
            vec![audit::Event::new(
                audit::Kind::InviteRevoked,
                format!("invite:{id}"),
            )],
        ))
    })
    .await
}

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

pub async fn list_fields(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<CustomField>, Error> {
    Ok(store::custom_fields::page(db, tenant.id, page.skip, page.limit).await?)
}

pub async fn field(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
) -> Result<CustomField, Error> {
    store::custom_fields::find(db, tenant.id, id)
        .await?
        .ok_or(Error::NotFound(ITEM))
}

/// Deletes a definition; values already stored stay in users' metadata.
pub async fn delete_field(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    audited(db, tenant, now, async |txn| {
        if !store::custom_fields::delete(txn, tenant.id, id).await? {
            return Err(Error::NotFound(ITEM));
        }
        Ok((
            (),
            vec![audit::Event::new(
                audit::Kind::FieldDeleted,
                format!("field:{id}"),
            )],
        ))
    })
    .await
}

/// A custom field definition as an administrator gives it.
pub struct FieldSettings {
    pub name: String,
    pub field_type: String,
    pub required: bool,
    pub max_length: Option<i32>,
    pub pattern: Option<String>,
    pub choices: Option<Vec<String>>,
}

/// The rules of a definition, checked; `type` decides whether choices belong.
fn check_rules(field: &FieldSettings, errors: &mut Vec<FieldError>) {
    let field_type = FieldType::parse(&field.field_type);
    if field_type.is_none() {
        errors.push(FieldError::new("type", Problem::Invalid));
    }
    // Lengths and patterns apply to text; integers and booleans take neither.
    let textual = !matches!(field_type, Some(FieldType::Integer | FieldType::Boolean));
    if field.max_length.is_some_and(|max| max < 1 || !textual) {
        errors.push(FieldError::new("max_length", Problem::Invalid));
    }
    if let Some(pattern) = &field.pattern
        && (!textual || compile_pattern(pattern).is_err())
    {
        errors.push(FieldError::new("pattern", Problem::Invalid));
    }
    let no_choices = field.choices.as_ref().is_none_or(Vec::is_empty);
    if field_type.is_some() && (field_type == Some(FieldType::Enum)) == no_choices {
        // Enums need choices; other types take none.
        errors.push(FieldError::new("choices", Problem::Invalid));
    }
}

fn definition(field: &FieldSettings) -> NewCustomField<'_> {
    NewCustomField {
        name: &field.name,
        field_type: &field.field_type,
        required: field.required,
        max_length: field.max_length,
        pattern: field.pattern.as_deref(),
        choices: field
            .choices
            .clone()
            .filter(|c| !c.is_empty())
            .map(Value::from),
    }
}

pub async fn create_field(
    db: &DatabaseConnection,
    tenant: &Tenant,
    field: FieldSettings,
    now: DateTime<Utc>,
) -> Result<CustomField, Error> {
    let mut errors = Vec::new();
    let name_ok = field.name.len() <= 64
        && field.name.starts_with(|c: char| c.is_ascii_lowercase())
        && field
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !name_ok {
        errors.push(FieldError::new("name", Problem::Invalid));
    } else if RESERVED_NAMES.contains(&field.name.as_str()) {
        errors.push(FieldError::new("name", Problem::NotAllowed));
    }
    check_rules(&field, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Rejected(errors));
    }
    audited(db, tenant, now, async |txn| {
        let model = store::custom_fields::create(txn, tenant.id, definition(&field), now)
            .await
            .map_err(taken_as("name"))?;
        let event = audit::Event::new(audit::Kind::FieldCreated, format!("field:{}", model.id))
            .with_detail(json!({"name": model.name, "type": model.field_type}));
        Ok((model, vec![event]))
    })
    .await
}

/// A partial change of a field's rules (its name and type stay, since stored
/// values were checked against them): `None` leaves a rule as it is, and for
/// the optional ones `Some(None)` removes it.
#[derive(Debug, Clone, Default)]
pub struct FieldChange {
    pub required: Option<bool>,
    pub max_length: Option<Option<i32>>,
    pub pattern: Option<Option<String>>,
    pub choices: Option<Option<Vec<String>>>,
}

/// Changes a field's rules, merged into the definition as stored.
pub async fn update_field(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    change: FieldChange,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<CustomField, Error> {
    audited(db, tenant, now, async |txn| {
        let stored = store::custom_fields::lock(txn, tenant.id, id)
            .await?
            .ok_or(Error::NotFound(ITEM))?;
        expect_version(expected_version, stored.version)?;
        let changed: Vec<&str> = [
            ("required", change.required.is_some()),
            ("max_length", change.max_length.is_some()),
            ("pattern", change.pattern.is_some()),
            ("choices", change.choices.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect();
        let stored_choices = stored
            .choices
            .clone()
            .and_then(|choices| serde_json::from_value(choices).ok());
        let field = FieldSettings {
            name: stored.name,
            field_type: stored.field_type,
            required: change.required.unwrap_or(stored.required),
            max_length: change.max_length.unwrap_or(stored.max_length),
            pattern: change.pattern.unwrap_or(stored.pattern),
            choices: change.choices.unwrap_or(stored_choices),
        };
        let mut errors = Vec::new();
        check_rules(&field, &mut errors);
        if !errors.is_empty() {
            return Err(Error::Rejected(errors));
        }
        let model = store::custom_fields::write(txn, tenant.id, id, &definition(&field)).await?;
        let event = audit::Event::new(audit::Kind::FieldUpdated, format!("field:{id}"))
            .with_detail(json!({"changed": changed}));
        Ok((model, vec![event]))
    })
    .await
}
