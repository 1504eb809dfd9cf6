//! Reading the fields the community API v2 surfaces (account, sso) share: the
//! rules their API documents give for usernames and passwords, and the conversions from
//! raw JSON that report each problem as a [`FieldError`].

use serde_json::{Map, Value};

use crate::domain::{FieldError, PasswordPolicy, Problem, Tenant, UsernameCharset, UsernameRules};

/// At least 8 and at most 128 characters, 3 of the 4 character classes.
pub const PASSWORD_POLICY: PasswordPolicy = PasswordPolicy {
    min_chars: 8,
    max_chars: 128,
    min_classes: 3,
};

/// `[A-Za-z0-9_-]`, at most 255 characters, case as the tenant decides.
pub fn username_rules(tenant: &Tenant) -> UsernameRules {
    UsernameRules {
        charset: UsernameCharset::AsciiWord,
        min_chars: 1,
        max_chars: 255,
        case_insensitive: tenant.policy.username_case_insensitive,
    }
}

/// A string field: `None` when absent (and `Required` recorded when `required`);
/// `null` counts as absent for a required field and is otherwise `Invalid`, like
/// any other non-string, since the documents do not mark these fields nullable.
pub fn string<'a>(
    body: &'a Map<String, Value>,
    name: &'static str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    match body.get(name) {
        Some(Value::String(text)) => Some(text),
        None => {
            if required {
                errors.push(FieldError::new(name, Problem::Required));
            }
            None
        }
        Some(Value::Null) if required => {
            errors.push(FieldError::new(name, Problem::Required));
            None
        }
        Some(_) => {
            errors.push(FieldError::new(name, Problem::Invalid));
            None
        }
    }
}

/// An optional string field documented as nullable: `None` when absent or null.
pub fn nullable_string<'a>(
    body: &'a Map<String, Value>,
    name: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    match body.get(name) {
        Some(Value::Null) => None,
        _ => string(body, name, false, errors),
    }
}

/// An optional integer field: `None` when absent; `null` or a non-integer is
/// `Invalid`.
pub fn integer(
    body: &Map<String, Value>,
    name: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let value = body.get(name)?;
    value.as_i64().or_else(|| {
        errors.push(FieldError::new(name, Problem::Invalid));
        None
    })
}

/// An optional integer field documented as nullable: `None` when absent or null.
pub fn nullable_integer(
    body: &Map<String, Value>,
    name: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    match body.get(name) {
        Some(Value::Null) => None,
        _ => integer(body, name, errors),
    }
}

/// The parsed value, or its problem recorded under `name`.
pub fn parsed<T>(
    result: Result<T, Problem>,
    name: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    result
        .map_err(|problem| errors.push(FieldError::new(name, problem)))
        .ok()
}

/// The body as an object, or one `body: invalid` problem.
pub fn object(body: &Value) -> Result<&Map<String, Value>, Vec<FieldError>> {
    body.as_object()
        .ok_or_else(|| vec![FieldError::new("body", Problem::Invalid)])
}
