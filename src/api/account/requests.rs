//! The account create request, from raw JSON to the registration command, with
//! every problem reported at once.

use serde_json::{Map, Value};

use crate::{
    api::v2_fields::{PASSWORD_POLICY, object, parsed, string, username_rules},
    domain::{
        Email, FieldError, Password, Tenant, Username,
        users::fields::{self, FieldDefinition},
        users::{Extras, Gate, NewUser},
    },
};

/// The fields the surface itself defines; every other key is a custom field.
const OWN_FIELDS: [&str; 5] = ["username", "email", "password", "invite_code", "promo_code"];

pub fn create(
    tenant: &Tenant,
    definitions: &[FieldDefinition],
    body: &Value,
) -> Result<(NewUser, Extras), Vec<FieldError>> {
    let body = object(body)?;
    let policy = &tenant.policy;
    let mut errors = Vec::new();
    let rules = username_rules(tenant);
    let username = string(body, "username", true, &mut errors)
        .and_then(|raw| parsed(Username::parse(raw, rules), "username", &mut errors));
    let email = string(body, "email", policy.require_email, &mut errors)
        .and_then(|raw| parsed(Email::parse(raw), "email", &mut errors));
    let password = string(body, "password", policy.require_password, &mut errors).and_then(|raw| {
        parsed(
            Password::parse(raw, PASSWORD_POLICY),
            "password",
            &mut errors,
        )
    });
    let invite_code = string(body, "invite_code", false, &mut errors).map(str::to_owned);
    let promo_code = string(body, "promo_code", false, &mut errors).map(str::to_owned);
    let given: Map<String, Value> = body
        .iter()
        .filter(|(key, _)| !OWN_FIELDS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let metadata = fields::validate(definitions, &given)
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
                gate: Gate::Community,
                ..Extras::default()
            },
        )),
        _ => Err(errors),
    }
}
