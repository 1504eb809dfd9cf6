//! What a tenant's administrators manage besides users: invite codes, promo
//! codes, tags and custom field definitions, each validated here and always
//! scoped to the administrator's tenant.

use chrono::{DateTime, Utc};
use entity::{custom_fields, invite_codes, promo_codes, tags};
use rand::Rng;
use sea_orm::{DatabaseConnection, DbErr, SqlErr};
use serde_json::Value;

use super::{
    FieldError, Problem, Tenant,
    custom_fields::{FieldType, compile_pattern},
};
pub use crate::store::codes::PromoLimits;
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

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("rejected: {0:?}")]
    Rejected(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Storage(#[from] DbErr),
}

fn rejected(field: &'static str, problem: Problem) -> ManageError {
    ManageError::Rejected(vec![FieldError::new(field, problem)])
}

/// A unique-index violation on `field` is a `Taken` problem; anything else stays
/// a storage error.
fn taken_as(field: &'static str) -> impl Fn(DbErr) -> ManageError {
    move |err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => rejected(field, Problem::Taken),
        _ => ManageError::Storage(err),
    }
}

/// A page of items, oldest first.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub skip: u64,
    pub limit: u64,
}

/// A delete or revoke that found nothing to act on is `NotFound`.
fn found(done: bool) -> Result<(), ManageError> {
    if done {
        Ok(())
    } else {
        Err(ManageError::NotFound)
    }
}

pub async fn list_invites(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<invite_codes::Model>, ManageError> {
    Ok(store::codes::list_invites(db, tenant.id, page.skip, page.limit).await?)
}

/// Revokes an unrevoked invite code of the tenant.
pub async fn revoke_invite(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ManageError> {
    found(store::codes::revoke_invite(db, tenant.id, id, now).await?)
}

pub async fn list_promos(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<promo_codes::Model>, ManageError> {
    Ok(store::codes::list_promos(db, tenant.id, page.skip, page.limit).await?)
}

pub async fn list_tags(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<tags::Model>, ManageError> {
    Ok(store::tags::list(db, tenant.id, page.skip, page.limit).await?)
}

/// Deletes a tag; users carrying it lose it.
pub async fn delete_tag(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
) -> Result<(), ManageError> {
    found(store::tags::delete(db, tenant.id, id).await?)
}

pub async fn list_fields(
    db: &DatabaseConnection,
    tenant: &Tenant,
    page: Page,
) -> Result<Vec<custom_fields::Model>, ManageError> {
    Ok(store::custom_fields::page(db, tenant.id, page.skip, page.limit).await?)
}

/// Deletes a definition; values already stored stay in users' metadata.
pub async fn delete_field(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
) -> Result<(), ManageError> {
    found(store::custom_fields::delete(db, tenant.id, id).await?)
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
) -> Result<(String, invite_codes::Model), ManageError> {
    if !(1..=1_000_000).contains(&max_uses) {
        return Err(rejected("max_uses", Problem::Invalid));
    }
    if expires_at.is_some_and(|at| at <= now) {
        return Err(rejected("expires_at", Problem::Invalid));
    }
    let code = generate_code();
    let model = store::codes::create_invite(
        db,
        tenant.id,
        &hash_secret(&code),
        max_uses,
        expires_at,
        now,
    )
    .await?;
    Ok((code, model))
}

fn check_promo(settings: &PromoLimits) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if settings.max_redemptions.is_some_and(|max| max < 1) {
        errors.push(FieldError::new("max_redemptions", Problem::Invalid));
    }
    if let (Some(from), Some(until)) = (settings.valid_from, settings.valid_until)
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
    settings: PromoLimits,
    now: DateTime<Utc>,
) -> Result<promo_codes::Model, ManageError> {
    let mut errors = check_promo(&settings);
    let code = code.trim();
    if code.is_empty() || code.chars().count() > 64 || code.chars().any(char::is_whitespace) {
        errors.insert(0, FieldError::new("code", Problem::Invalid));
    }
    if !errors.is_empty() {
        return Err(ManageError::Rejected(errors));
    }
    let promo = NewPromoCode {
        code,
        limits: settings,
    };
    store::codes::create_promo(db, tenant.id, promo, now)
        .await
        .map_err(taken_as("code"))
}

pub async fn update_promo(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    active: bool,
    settings: PromoLimits,
) -> Result<promo_codes::Model, ManageError> {
    let errors = check_promo(&settings);
    if !errors.is_empty() {
        return Err(ManageError::Rejected(errors));
    }
    store::codes::update_promo(db, tenant.id, id, active, &settings)
        .await?
        .ok_or(ManageError::NotFound)
}

fn tag_name(name: &str) -> Result<&str, ManageError> {
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
) -> Result<tags::Model, ManageError> {
    store::tags::create(db, tenant.id, tag_name(name)?, now)
        .await
        .map_err(taken_as("name"))
}

pub async fn rename_tag(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    name: &str,
) -> Result<tags::Model, ManageError> {
    store::tags::rename(db, tenant.id, id, tag_name(name)?)
        .await
        .map_err(taken_as("name"))?
        .ok_or(ManageError::NotFound)
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
) -> Result<custom_fields::Model, ManageError> {
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
        return Err(ManageError::Rejected(errors));
    }
    store::custom_fields::create(db, tenant.id, definition(&field), now)
        .await
        .map_err(taken_as("name"))
}

/// Replaces a field's rules (`required`, `max_length`, `pattern`, `choices`); its
/// name and type stay, since stored values were checked against them.
pub async fn update_field(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: i64,
    required: bool,
    max_length: Option<i32>,
    pattern: Option<String>,
    choices: Option<Vec<String>>,
) -> Result<custom_fields::Model, ManageError> {
    let current = store::custom_fields::find(db, tenant.id, id)
        .await?
        .ok_or(ManageError::NotFound)?;
    let field = FieldSettings {
        name: current.name,
        field_type: current.field_type,
        required,
        max_length,
        pattern,
        choices,
    };
    let mut errors = Vec::new();
    check_rules(&field, &mut errors);
    if !errors.is_empty() {
        return Err(ManageError::Rejected(errors));
    }
    store::custom_fields::update(db, tenant.id, id, &definition(&field))
        .await?
        .ok_or(ManageError::NotFound)
}
