//! The account create request, from raw JSON to the registration command, with
//! every problem reported at once.

use serde_json::{Map, Value};

use crate::domain::{
    Email, FieldError, Password, PasswordPolicy, Problem, Tenant, Username, UsernameCharset,
    UsernameRules,
    custom_fields::{self, FieldDefinition},
    registration::{Extras, NewUser},
};

/// The fields the surface itself defines; every other key is a custom field.
const OWN_FIELDS: [&str; 5] = ["username", "email", "password", "invite_code", "promo_code"];

const PASSWORD_POLICY: PasswordPolicy = PasswordPolicy {
    min_chars: 8,
    max_chars: 128,
    min_classes: 3,
};

/// A string field: `None` when absent or null; a non-string is `Invalid`.
fn optional<'a>(
    body: &'a Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            errors.push(FieldError::new(field, Problem::Invalid));
            None
        }
    }
}

/// Like [`optional`], but absence is `Required` when `required`.
fn field<'a>(
    body: &'a Map<String, Value>,
    name: &'static str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    let value = optional(body, name, errors);
    if value.is_none() && required && !errors.iter().any(|e| e.field == name) {
        errors.push(FieldError::new(name, Problem::Required));
    }
    value
}

fn parsed<T>(
    result: Result<T, Problem>,
    name: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    result
        .map_err(|problem| errors.push(FieldError::new(name, problem)))
        .ok()
}

pub fn create(
    tenant: &Tenant,
    definitions: &[FieldDefinition],
    body: &Value,
) -> Result<(NewUser, Extras), Vec<FieldError>> {
    let Some(body) = body.as_object() else {
        return Err(vec![FieldError::new("body", Problem::Invalid)]);
    };
    let policy = &tenant.policy;
    let mut errors = Vec::new();
    let rules = UsernameRules {
        charset: UsernameCharset::AsciiWord,
        min_chars: 1,
        max_chars: 255,
        case_insensitive: policy.username_case_insensitive,
    };
    let username = field(body, "username", true, &mut errors)
        .and_then(|raw| parsed(Username::parse(raw, rules), "username", &mut errors));
    let email = field(body, "email", policy.require_email, &mut errors)
        .and_then(|raw| parsed(Email::parse(raw), "email", &mut errors));
    let password = field(body, "password", policy.require_password, &mut errors).and_then(|raw| {
        parsed(
            Password::parse(raw, PASSWORD_POLICY),
            "password",
            &mut errors,
        )
    });
    let invite_code = optional(body, "invite_code", &mut errors).map(str::to_owned);
    let promo_code = optional(body, "promo_code", &mut errors).map(str::to_owned);
    let given: Map<String, Value> = body
        .iter()
        .filter(|(key, _)| !OWN_FIELDS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let metadata = custom_fields::validate(definitions, &given)
        .map_err(|problems| errors.extend(problems))
        .ok();
    match (username, metadata) {
        (Some(username), Some(metadata)) if errors.is_empty() => Ok((
            NewUser {
                username,
                email,
                password,
                roles: Vec::new(),
            },
            Extras {
                invite_code,
                promo_code,
                metadata,
                community: true,
                ..Extras::default()
            },
        )),
        _ => Err(errors),
    }
}
