//! SSO requests, from raw JSON to domain commands, with every problem reported
//! at once.

use serde_json::Value;

use crate::{
    api::v2_fields::{
        PASSWORD_POLICY, integer, nullable_integer, nullable_string, object, parsed, string,
        username_rules,
    },
    domain::{
        Email, FieldError, Password, Problem, Role, Tenant, Username,
        tokens::UserRef,
        users::{Extras, NewUser},
    },
};

const FIELDS: [&str; 6] = ["ext_id", "username", "email", "password", "role", "tags"];
const GRANTABLE: [Role; 3] = [Role::Admin, Role::Moderator, Role::Editor];
/// More tags on one user than this is refused.
const MAX_TAGS: usize = 100;

pub fn signup(tenant: &Tenant, body: &Value) -> Result<(NewUser, Extras), Vec<FieldError>> {
    let body = object(body)?;
    let mut errors: Vec<FieldError> = body
        .keys()
        .filter(|key| !FIELDS.contains(&key.as_str()))
        .map(|key| FieldError::new(key.clone(), Problem::NotAllowed))
        .collect();
    let ext_id = nullable_integer(body, "ext_id", &mut errors);
    let rules = username_rules(tenant);
    let username = string(body, "username", true, &mut errors)
        .and_then(|raw| parsed(Username::parse(raw, rules), "username", &mut errors));
    let email = nullable_string(body, "email", &mut errors)
        .and_then(|raw| parsed(Email::parse(raw), "email", &mut errors));
    let password = string(body, "password", false, &mut errors).and_then(|raw| {
        parsed(
            Password::parse(raw, PASSWORD_POLICY),
            "password",
            &mut errors,
        )
    });
    let role = nullable_string(body, "role", &mut errors).and_then(|raw| {
        match raw.parse::<Role>().ok().filter(|r| GRANTABLE.contains(r)) {
            None => {
                errors.push(FieldError::new("role", Problem::Invalid));
                None
            }
            Some(role) => Some(role),
        }
    });
    let tags = match body.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_TAGS => {
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
            // Seed 002 has no invite code: SSO users come from the tenant's own
            // backend, which vouches for them.
            Extras {
                ext_id,
                tags,
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
