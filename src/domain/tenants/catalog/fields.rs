//! Custom field definitions: created, listed, read, changed (partially, by
//! version) and deleted.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::{ITEM, audited, expect_version, taken_as};
use crate::{
    domain::{
        Error, FieldError, Page, Problem, Tenant, audit,
        users::fields::{FieldType, compile_pattern},
        values::CustomField,
    },
    store::{self, custom_fields::NewCustomField},
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
