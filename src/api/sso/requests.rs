//! SSO requests, from raw JSON to domain commands, with every problem reported
//! at once.

use serde_json::{Map, Value};

use crate::domain::{
    Email, FieldError, Password, PasswordPolicy, Problem, Role, Tenant, Username, UsernameCharset,
    UsernameRules,
    access::Caller,
    registration::{Extras, NewUser},
    sso::UserRef,
};

const FIELDS: [&str; 6] = ["ext_id", "username", "email", "password", "role", "tags"];
const GRANTABLE: [Role; 3] = [Role::Admin, Role::Moderator, Role::Editor];

const PASSWORD_POLICY: PasswordPolicy = PasswordPolicy {
    min_chars: 8,
    max_chars: 128,
    min_classes: 3,
};

fn object(body: &Value) -> Result<&Map<String, Value>, Vec<FieldError>> {
    body.as_object()
        .ok_or_else(|| vec![FieldError::new("body", Problem::Invalid)])
}

/// An optional integer field: `None` when absent or null.
fn integer(
    body: &Map<String, Value>,
    name: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    match body.get(name) {
        None | Some(Value::Null) => None,
        Some(value) => value.as_i64().or_else(|| {
            errors.push(FieldError::new(name, Problem::Invalid));
            None
        }),
    }
}

fn string<'a>(
    body: &'a Map<String, Value>,
    name: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    match body.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            errors.push(FieldError::new(name, Problem::Invalid));
            None
        }
    }
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

pub fn signup(
    tenant: &Tenant,
    caller: &Caller,
    body: &Value,
) -> Result<(NewUser, Extras), Vec<FieldError>> {
    let body = object(body)?;
    let mut errors: Vec<FieldError> = body
        .keys()
        .filter(|key| !FIELDS.contains(&key.as_str()))
        .map(|key| FieldError::new(key.clone(), Problem::NotAllowed))
        .collect();
    let ext_id = integer(body, "ext_id", &mut errors);
    let rules = UsernameRules {
        charset: UsernameCharset::AsciiWord,
        min_chars: 1,
        max_chars: 255,
        case_insensitive: tenant.policy.username_case_insensitive,
    };
    let username = match string(body, "username", &mut errors) {
        Some(raw) => parsed(Username::parse(raw, rules), "username", &mut errors),
        None => {
            if !errors.iter().any(|e| e.field == "username") {
                errors.push(FieldError::new("username", Problem::Required));
            }
            None
        }
    };
    let email = string(body, "email", &mut errors)
        .and_then(|raw| parsed(Email::parse(raw), "email", &mut errors));
    let password = string(body, "password", &mut errors).and_then(|raw| {
        parsed(
            Password::parse(raw, PASSWORD_POLICY),
            "password",
            &mut errors,
        )
    });
    let role = string(body, "role", &mut errors).and_then(|raw| {
        match raw.parse::<Role>().ok().filter(|r| GRANTABLE.contains(r)) {
            None => {
                errors.push(FieldError::new("role", Problem::Invalid));
                None
            }
            Some(Role::Admin) if !caller.may_grant_admin() => {
                errors.push(FieldError::new("role", Problem::NotAllowed));
                None
            }
            Some(role) => Some(role),
        }
    });
    let tags = match body.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let ids: Option<Vec<i64>> = items.iter().map(Value::as_i64).collect();
            ids.unwrap_or_else(|| {
                errors.push(FieldError::new("tags", Problem::Invalid));
                Vec::new()
            })
        }
        Some(_) => {
            errors.push(FieldError::new("tags", Problem::Invalid));
            Vec::new()
        }
    };
    match username {
        Some(username) if errors.is_empty() => Ok((
            NewUser {
                username,
                email,
                password,
                roles: role.into_iter().collect(),
            },
            Extras {
                ext_id,
                tags,
                community: true,
                ..Extras::default()
            },
        )),
        _ => Err(errors),
    }
}

/// Exactly one of `user_id` and `ext_id`.
pub fn token(body: &Value) -> Result<UserRef, Vec<FieldError>> {
    let body = object(body)?;
    let mut errors = Vec::new();
    let user_id = integer(body, "user_id", &mut errors);
    let ext_id = integer(body, "ext_id", &mut errors);
    match (user_id, ext_id) {
        _ if !errors.is_empty() => Err(errors),
        (Some(id), None) => Ok(UserRef::Id(id)),
        (None, Some(ext_id)) => Ok(UserRef::ExtId(ext_id)),
        (None, None) => Err(vec![FieldError::new("user_id", Problem::Required)]),
        (Some(_), Some(_)) => Err(vec![FieldError::new("ext_id", Problem::NotAllowed)]),
    }
}
