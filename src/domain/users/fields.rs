//! A tenant's custom user fields (metadata): their definitions, and the validation
//! of the values a registration submits for them.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{Arc, Mutex, PoisonError},
};

use regex::Regex;
use sea_orm::DbErr;
use serde_json::{Map, Value};

use super::register::Registrar;
use crate::{
    domain::{Email, Error, FieldError, Problem, Tenant, values::CustomField},
    store,
};

/// A tenant's custom field definitions, compiled, with a fingerprint of what
/// they were compiled from (equal fingerprints, equal definitions).
#[derive(Debug, Clone)]
pub struct Fields {
    pub fingerprint: u64,
    pub definitions: Arc<[FieldDefinition]>,
}

/// Compiled definitions by tenant: the stored rows are read on every use (one
/// indexed query), their patterns compiled again only when they changed.
#[derive(Clone, Default)]
pub struct FieldCache(Arc<Mutex<HashMap<i64, Fields>>>);

/// Beyond this many tenants the cache starts over, so memory stays bounded.
const FIELD_CACHE_CAPACITY: usize = 10_000;

impl Registrar {
    /// The tenant's custom field definitions.
    pub async fn custom_fields(&self, tenant: &Tenant) -> Result<Fields, Error> {
        let rows = store::custom_fields::of_tenant(&self.db, tenant.id).await?;
        let fingerprint = fingerprint(&rows);
        let mut cache = self.fields.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(fields) = cache
            .get(&tenant.id)
            .filter(|f| f.fingerprint == fingerprint)
        {
            return Ok(fields.clone());
        }
        let definitions = rows
            .iter()
            .map(|model| FieldDefinition::from_model(model).map_err(DbErr::Custom))
            .collect::<Result<Arc<[FieldDefinition]>, DbErr>>()?;
        let fields = Fields {
            fingerprint,
            definitions,
        };
        if cache.len() >= FIELD_CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(tenant.id, fields.clone());
        Ok(fields)
    }
}

fn fingerprint(rows: &[CustomField]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for row in rows {
        (row.id, &row.name, &row.field_type, row.required).hash(&mut hasher);
        (row.max_length, &row.pattern).hash(&mut hasher);
        row.choices.as_ref().map(Value::to_string).hash(&mut hasher);
    }
    hasher.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    Email,
    /// An absolute `http` or `https` URL.
    Url,
    /// One of the definition's `choices`.
    Enum,
}

impl FieldType {
    pub const ALL: [FieldType; 7] = [
        FieldType::String,
        FieldType::Integer,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::Email,
        FieldType::Url,
        FieldType::Enum,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Email => "email",
            FieldType::Url => "url",
            FieldType::Enum => "enum",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// A field's pattern as it is applied: to the whole value.
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

#[derive(Debug, Clone)]
pub struct FieldDefinition {
    pub name: String,
    pub field_type: FieldType,
    pub required: bool,
    pub max_length: Option<usize>,
    /// Must match the whole value.
    pub pattern: Option<Regex>,
    pub choices: Vec<String>,
}

impl FieldDefinition {
    /// The stored definition; a damaged one (unknown type, bad regex) is an error.
    pub fn from_model(model: &CustomField) -> Result<Self, String> {
        let field_type = FieldType::parse(&model.field_type).ok_or_else(|| {
            format!(
                "custom field {}: unknown type {}",
                model.name, model.field_type
            )
        })?;
        let pattern = model
            .pattern
            .as_deref()
            .map(compile_pattern)
            .transpose()
            .map_err(|err| format!("custom field {}: {err}", model.name))?;
        let choices = match &model.choices {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Self {
            name: model.name.clone(),
            field_type,
            required: model.required,
            max_length: model.max_length.and_then(|n| usize::try_from(n).ok()),
            pattern,
            choices,
        })
    }

    /// The value as stored, or what is wrong with it.
    fn check(&self, value: &Value) -> Result<Value, Problem> {
        let text = value.as_str();
        let stored = match self.field_type {
            FieldType::Integer => return value.as_i64().map(Value::from).ok_or(Problem::Invalid),
            FieldType::Boolean => return value.as_bool().map(Value::from).ok_or(Problem::Invalid),
            FieldType::String => text.ok_or(Problem::Invalid)?.to_owned(),
            FieldType::Date => {
                let text = text.ok_or(Problem::Invalid)?;
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| Problem::Invalid)?;
                text.to_owned()
            }
            FieldType::Email => Email::parse(text.ok_or(Problem::Invalid)?)?
                .as_str()
                .to_owned(),
            FieldType::Url => {
                let text = text.ok_or(Problem::Invalid)?;
                let url = reqwest::Url::parse(text).map_err(|_| Problem::Invalid)?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(Problem::Invalid);
                }
                text.to_owned()
            }
            FieldType::Enum => {
                let text = text.ok_or(Problem::Invalid)?;
                if !self.choices.iter().any(|c| c == text) {
                    return Err(Problem::Invalid);
                }
                text.to_owned()
            }
        };
        if let Some(max) = self.max_length
            && stored.chars().count() > max
        {
            return Err(Problem::TooLong { max });
        }
        if self.pattern.as_ref().is_some_and(|p| !p.is_match(&stored)) {
            return Err(Problem::Invalid);
        }
        Ok(Value::String(stored))
    }
}

/// Checks submitted metadata against the definitions: every value well-formed,
/// every required field present, no unknown field. Returns what to store.
pub fn validate(
    definitions: &[FieldDefinition],
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut stored = Map::new();
    for (name, value) in given {
        match definitions.iter().find(|d| &d.name == name) {
            None => errors.push(FieldError::new(name.clone(), Problem::NotAllowed)),
            Some(_) if value.is_null() => {}
            Some(definition) => match definition.check(value) {
                Ok(value) => {
                    stored.insert(name.clone(), value);
                }
                Err(problem) => errors.push(FieldError::new(name.clone(), problem)),
            },
        }
    }
    for definition in definitions.iter().filter(|d| d.required) {
        if !stored.contains_key(&definition.name)
            && !errors.iter().any(|e| e.field == definition.name.as_str())
        {
            errors.push(FieldError::new(definition.name.clone(), Problem::Required));
        }
    }
    if errors.is_empty() {
        Ok(stored)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(name: &str, field_type: FieldType) -> FieldDefinition {
        FieldDefinition {
            name: name.to_owned(),
            field_type,
            required: false,
            max_length: None,
            pattern: None,
            choices: Vec::new(),
        }
    }

    fn check(definition: &FieldDefinition, value: Value) -> Result<Value, Problem> {
        definition.check(&value)
    }

    #[test]
    fn each_type_accepts_its_values_only() {
        let cases = [
            (FieldType::String, json!("x"), json!(1)),
            (FieldType::Integer, json!(42), json!("42")),
            (FieldType::Boolean, json!(true), json!("true")),
            (FieldType::Date, json!("2026-11-23"), json!("2026-13-01")),
            (FieldType::Email, json!("a@example.com"), json!("nope")),
            (
                FieldType::Url,
                json!("https://example.com/x"),
                json!("ftp://example.com"),
            ),
        ];
        for (field_type, good, bad) in cases {
            let definition = field("f", field_type);
            assert!(check(&definition, good).is_ok(), "{field_type:?}");
            assert_eq!(
                check(&definition, bad),
                Err(Problem::Invalid),
                "{field_type:?}"
            );
        }
        let mut choice = field("plan", FieldType::Enum);
        choice.choices = vec!["free".into(), "pro".into()];
        assert!(check(&choice, json!("pro")).is_ok());
        assert_eq!(check(&choice, json!("gold")), Err(Problem::Invalid));
    }

    #[test]
    fn constraints_apply() {
        let mut code = field("code", FieldType::String);
        code.max_length = Some(4);
        code.pattern = Some(compile_pattern("[A-Z]+").unwrap());
        assert!(check(&code, json!("ABCD")).is_ok());
        assert_eq!(
            check(&code, json!("ABCDE")),
            Err(Problem::TooLong { max: 4 })
        );
        assert_eq!(check(&code, json!("AB1")), Err(Problem::Invalid));
    }

    #[test]
    fn unknown_and_missing_required_fields_are_reported() {
        let mut company = field("company", FieldType::String);
        company.required = true;
        let errors =
            validate(&[company], json!({"nickname": "x"}).as_object().unwrap()).unwrap_err();
        assert_eq!(
            errors,
            vec![
                FieldError::new("nickname", Problem::NotAllowed),
                FieldError::new("company", Problem::Required),
            ]
        );
    }
}
