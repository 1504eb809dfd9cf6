//! Turning the admin surface's raw requests into domain commands, reporting every
//! problem the way pydantic does for the FastAPI original's models.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::{
    email_validator,
    pydantic::{Errors, Fields, Pattern, StrRules, literal, query_int},
};
use crate::domain::{
    Email, FieldError, Password, PasswordPolicy, Role, Tenant, Username, UsernameCharset,
    UsernameRules,
    users::{NewUser, UserStatus},
    users::{UserFilter, UserUpdate},
};

pub const ROLES: &[&str] = &["admin", "editor", "viewer"];
const ALL_ROLES: &[&str] = &["admin", "moderator", "editor", "viewer"];
const STATUSES: &[&str] = &["active", "pending", "disabled"];
pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 100;
/// Bounds every page's offset, as the documents state (the original had none).
pub const MAX_SKIP: i64 = i32::MAX as i64;

const PASSWORD_POLICY: PasswordPolicy = PasswordPolicy {
    min_chars: 8,
    max_chars: 128,
    min_classes: 0,
};

/// No spaces and no control characters, in a pattern every regex dialect reads
/// alike (the documents' readers: JavaScript, Python, Rust). The FastAPI original
/// sets only a length; the rest of the PRECIS IdentifierClass (letters and
/// digits of any script, ASCII symbols; RFC 8264) is the username rule itself.
const NO_SPACES: &str = r"^[^\s\x00-\x1f\x7f-\x9f]+$";

fn has_no_spaces(text: &str) -> bool {
    static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(NO_SPACES).ok());
    PATTERN
        .as_ref()
        .is_some_and(|pattern| pattern.is_match(text))
}

const USERNAME: StrRules = StrRules {
    min_length: Some(3),
    max_length: Some(150),
    pattern: Some(Pattern {
        regex: NO_SPACES,
        matches: has_no_spaces,
    }),
};

const PASSWORD: StrRules = StrRules {
    min_length: Some(PASSWORD_POLICY.min_chars),
    max_length: Some(PASSWORD_POLICY.max_chars),
    pattern: None,
};

fn role(name: &str) -> Option<Role> {
    name.parse().ok()
}

/// A pydantic `value_error` raised by a field validator.
fn value_error(errors: &mut Errors, field: &str, input: &str, message: &str) {
    errors.push(
        "value_error",
        json!(["body", field]),
        format!("Value error, {message}"),
        Value::String(input.to_owned()),
        Some(json!({"error": {}})),
    );
}

/// An optional, nullable email field; `Some(None)` is an explicit null.
fn email_field(fields: &mut Fields<'_>) -> Option<Option<Email>> {
    let raw = fields.string("email", false, true, StrRules::ANY)?;
    let Some(raw) = raw else {
        return Some(None);
    };
    // email-validator's verdict and words, as pydantic's EmailStr reports them;
    // then the domain's own rule (which a valid address passes).
    let parsed = email_validator::validate(raw).and_then(|normalized| {
        Email::parse(&normalized).map_err(|_| "The email address is not valid.".to_owned())
    });
    match parsed {
        Ok(email) => Some(Some(email)),
        Err(reason) => {
            fields.email_error("email", raw, &reason);
            None
        }
    }
}

fn password_field(fields: &mut Fields<'_>, required: bool) -> Option<Password> {
    let raw = fields.string("password", required, false, PASSWORD)??;
    match Password::parse(raw, PASSWORD_POLICY) {
        Ok(password) => Some(password),
        Err(_) => {
            value_error(
                &mut fields.errors,
                "password",
                raw,
                "Password must not be blank",
            );
            None
        }
    }
}

/// `AdminUserCreate` → the registration command.
pub fn create(body: &Value, tenant: &Tenant) -> Result<NewUser, Errors> {
    let mut fields = Fields::of(body)?;
    let username = fields.string("username", true, false, USERNAME).flatten();
    let password = password_field(&mut fields, true);
    let email = email_field(&mut fields);
    let role = match fields.literal("role", ROLES) {
        Some(name) => role(name),
        None => Some(Role::Viewer),
    };
    let rules = UsernameRules {
        charset: UsernameCharset::Identifier,
        min_chars: 3,
        max_chars: 150,
        case_insensitive: tenant.policy.username_case_insensitive,
    };
    let username = username.and_then(|raw| match Username::parse(raw, rules) {
        Ok(username) => Some(username),
        Err(problem) => {
            let reason = FieldError::new("username", problem).to_string();
            value_error(&mut fields.errors, "username", raw, &reason);
            None
        }
    });
    match (username, password, email, role) {
        (Some(username), Some(password), email, Some(role)) if fields.errors.is_empty() => {
            Ok(NewUser {
                username,
                email: email.flatten(),
                password: Some(password),
                roles: vec![role],
            })
        }
        // Every missing piece has pushed its error.
        _ => Err(fields.errors),
    }
}

/// `AdminUserUpdate` → the change. `status` wins over `is_active` when both are given.
pub fn update(body: &Value) -> Result<UserUpdate, Errors> {
    let mut fields = Fields::of(body)?;
    let email = email_field(&mut fields);
    let password = password_field(&mut fields, false);
    let roles = fields
        .literal_list("roles", ROLES)
        .map(|names| names.into_iter().filter_map(role).collect());
    let status = fields
        .literal("status", STATUSES)
        .and_then(UserStatus::parse);
    let is_active = fields.boolean("is_active");
    let status = status.or_else(|| {
        is_active.map(|active| {
            if active {
                UserStatus::Active
            } else {
                UserStatus::Disabled
            }
        })
    });
    fields.errors.into_result(UserUpdate {
        email,
        password,
        roles,
        status,
    })
}

/// The list query: `skip`, `limit`, `status`, `role` and `q`.
pub struct ListQuery<'a> {
    pub skip: Option<&'a str>,
    pub limit: Option<&'a str>,
    pub status: Option<&'a str>,
    pub role: Option<&'a str>,
    pub q: Option<&'a str>,
}

pub fn list(query: &ListQuery<'_>) -> Result<(UserFilter, u64, u64), Errors> {
    let mut errors = Errors::default();
    let skip = query_int(&mut errors, "skip", query.skip, 0, 0, Some(MAX_SKIP));
    let limit = query_int(
        &mut errors,
        "limit",
        query.limit,
        DEFAULT_LIMIT,
        0,
        Some(MAX_LIMIT),
    );
    let mut choice = |name: &str, raw: Option<&str>, choices: &[&str]| {
        let value = Value::String(raw?.to_owned());
        literal(&mut errors, json!(["query", name]), &value, choices).map(str::to_owned)
    };
    let status = choice("status", query.status, STATUSES);
    let role_name = choice("role", query.role, ALL_ROLES);
    let filter = UserFilter {
        status: status.as_deref().and_then(UserStatus::parse),
        role: role_name.as_deref().and_then(role),
        prefix: query.q.map(str::to_owned),
    };
    let skip = u64::try_from(skip).unwrap_or(0);
    let limit = u64::try_from(limit).unwrap_or(0);
    errors.into_result((filter, skip, limit))
}
