//! A change to a tenant's policy: new values for some of its keys, checked one by
//! one. The CLI's `KEY=VALUE` texts and the management API's JSON both become one,
//! and it is merged into the policy as stored in the transaction that writes it,
//! so concurrent changes of different keys all land.
//!
//! The keys and their types are the policy's own (its serialized form), so a new
//! field of [`TenantPolicy`] is settable without being listed here; only a rule
//! beyond its type (a range, a format) is added to [`TenantPolicy::check`].
//!
//! A field of the policy is spelled in two files: `domain/values/tenant.rs`
//! (the field and its default) and `api/manage` (the document's types).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;

use super::Tenants;
use crate::{
    domain::{
        Error, FieldError, Problem, Tenant, TenantPolicy, audit,
        values::password::MAX_PASSWORD_CHARS,
    },
    ratelimit::{PolicyName, Quota},
    store::{self, changes::Change},
};

/// The key of the rate-limit overrides, and the prefix of one override's key in
/// the CLI (`rate_limit.sign_up_per_ip=30/60`).
const RATE_LIMITS: &str = "rate_limits";
pub const RATE_LIMIT_PREFIX: &str = "rate_limit.";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyChange {
    /// Top-level keys and their new values, each of its key's type.
    values: Map<String, Value>,
    /// Per policy name: a quota of the tenant's own, or `None` to follow the
    /// configured one again.
    rate_limits: BTreeMap<String, Option<Quota>>,
}

/// A key no policy has.
fn unknown(key: String) -> Error {
    let known = settable_keys().join(", ");
    let policies = PolicyName::CONFIGURABLE.map(PolicyName::as_str).join("|");
    let reason = format!("unknown policy key `{key}` (known: {known}, rate_limit.<{policies}>)");
    Error::Rejected(vec![
        FieldError::new(key, Problem::NotAllowed).because(reason),
    ])
}

/// A value its key does not take.
fn invalid(key: &str, reason: &str) -> Error {
    let reason = format!("invalid value for `{key}`: {reason}");
    Error::Rejected(vec![
        FieldError::new(key.to_owned(), Problem::Invalid).because(reason),
    ])
}

/// The policy as stored: what decides the keys and their types.
fn defaults() -> Map<String, Value> {
    match serde_json::to_value(TenantPolicy::default()) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The keys a change may set directly.
pub fn settable_keys() -> Vec<String> {
    defaults()
        .into_iter()
        .map(|(key, _)| key)
        .filter(|key| key != RATE_LIMITS)
        .collect()
}

impl PolicyChange {
    /// From the CLI's `KEY=VALUE` texts: `true`/`false`, numbers, comma-separated
    /// lists, and `rate_limit.<policy>=LIMIT/WINDOW_SECS|off|default`.
    pub fn from_settings<'a>(
        settings: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Error> {
        let defaults = defaults();
        let mut change = Self::default();
        for (key, text) in settings {
            let (key, text) = (key.trim(), text.trim());
            if let Some(name) = key.strip_prefix(RATE_LIMIT_PREFIX) {
                change.set_rate_limit(name, &Value::String(text.to_owned()))?;
                continue;
            }
            let value = match defaults.get(key) {
                Some(Value::Bool(_)) => text
                    .parse()
                    .map(Value::Bool)
                    .map_err(|_| invalid(key, "expected true or false"))?,
                Some(Value::Number(_)) => text
                    .parse::<u64>()
                    .map(Value::from)
                    .map_err(|_| invalid(key, "expected a number"))?,
                Some(Value::Array(_)) => Value::from(
                    text.split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                        .collect::<Vec<_>>(),
                ),
                _ => return Err(unknown(key.to_owned())),
            };
            change.values.insert(key.to_owned(), value);
        }
        Ok(change)
    }

    /// From a JSON object of keys (the management API): each value of its key's
    /// type, `null` meaning "unchanged"; `rate_limits` maps policy names to text
    /// as in the CLI or to `{"limit", "window_secs"}` (a limit of 0 is off).
    pub fn from_json(object: Map<String, Value>) -> Result<Self, Error> {
        let defaults = defaults();
        let mut change = Self::default();
        for (key, value) in object {
            if value.is_null() {
                continue;
            }
            if key == RATE_LIMITS {
                let Value::Object(limits) = value else {
                    return Err(invalid(&key, "expected an object of policies"));
                };
                for (name, setting) in limits {
                    change.set_rate_limit(&name, &setting)?;
                }
                continue;
            }
            let Some(current) = defaults.get(&key) else {
                return Err(unknown(key));
            };
            let same_type = match (current, &value) {
                (Value::Bool(_), Value::Bool(_)) => true,
                (Value::Number(_), Value::Number(n)) => n.is_u64(),
                (Value::Array(_), Value::Array(items)) => items.iter().all(Value::is_string),
                _ => false,
            };
            if !same_type {
                return Err(invalid(&key, "not of the key's type"));
            }
            change.values.insert(key, value);
        }
        Ok(change)
    }

    /// `LIMIT/WINDOW_SECS`, `off`, `default`, or `{"limit", "window_secs"}`.
    fn set_rate_limit(&mut self, name: &str, setting: &Value) -> Result<(), Error> {
        let key = format!("{RATE_LIMIT_PREFIX}{name}");
        if PolicyName::configurable(name).is_none() {
            return Err(unknown(key));
        }
        const TEXT: &str = "expected LIMIT/WINDOW_SECS (e.g. 30/60), off, or default";
        let quota = match setting {
            Value::String(text) => match text.trim() {
                "default" => None,
                "off" => Some(Quota::new(0, 0)),
                other => {
                    let quota = other
                        .split_once('/')
                        .and_then(|(limit, window)| {
                            Some(Quota::new(
                                limit.trim().parse().ok()?,
                                window.trim().parse().ok()?,
                            ))
                        })
                        .filter(|quota| quota.limit > 0 && quota.window_secs > 0)
                        .ok_or_else(|| invalid(&key, TEXT))?;
                    Some(quota)
                }
            },
            Value::Object(_) => {
                let quota: Quota = serde_json::from_value(setting.clone())
                    .map_err(|_| invalid(&key, "expected {\"limit\", \"window_secs\"}"))?;
                if quota.limit > 0 && quota.window_secs == 0 {
                    return Err(invalid(&key, "window_secs must be at least 1"));
                }
                Some(if quota.is_off() {
                    Quota::new(0, 0)
                } else {
                    quota
                })
            }
            _ => return Err(invalid(&key, TEXT)),
        };
        self.rate_limits.insert(name.to_owned(), quota);
        Ok(())
    }

    /// The keys it changes, as the CLI names them (for the audit trail).
    pub fn keys(&self) -> Vec<String> {
        self.values
            .keys()
            .cloned()
            .chain(
                self.rate_limits
                    .keys()
                    .map(|name| format!("{RATE_LIMIT_PREFIX}{name}")),
            )
            .collect()
    }
}

impl TenantPolicy {
    /// This policy with `change` merged in, every changed key checked.
    pub fn changed(&self, change: &PolicyChange) -> Result<TenantPolicy, Error> {
        let mut merged = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => return Err(invalid("policy", "the stored policy is not an object")),
        };
        for (key, value) in &change.values {
            merged.insert(key.clone(), value.clone());
        }
        let mut policy: TenantPolicy = serde_json::from_value(Value::Object(merged))
            .map_err(|err| invalid("policy", &err.to_string()))?;
        for (name, quota) in &change.rate_limits {
            match quota {
                Some(quota) => policy.rate_limits.insert(name.clone(), *quota),
                None => policy.rate_limits.remove(name),
            };
        }
        policy.check()?;
        Ok(policy)
    }

    /// The rules beyond each key's type.
    fn check(&self) -> Result<(), Error> {
        if !(1..=MAX_PASSWORD_CHARS).contains(&self.password_min_length) {
            return Err(invalid(
                "password_min_length",
                "expected a number from 1 to 128",
            ));
        }
        if self.password_min_classes > 4 {
            return Err(invalid(
                "password_min_classes",
                "expected a number from 0 to 4",
            ));
        }
        if self.allowed_origins.is_empty() {
            return Err(invalid(
                "allowed_origins",
                "expected `*` or a comma-separated list of origins",
            ));
        }
        if let Some(bad) = self
            .allowed_origins
            .iter()
            .find(|o| *o != "*" && !is_origin(o))
        {
            return Err(invalid(
                "allowed_origins",
                &format!("`{bad}` is not an origin like https://app.example"),
            ));
        }
        Ok(())
    }
}

/// `scheme://host[:port]` with nothing after it, as browsers send in `Origin`.
fn is_origin(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' ', '@'])
}

impl Tenants {
    /// Applies `change` to the policy as stored now, not as cached: the row is
    /// locked, read, changed and written (its version bumped) in one transaction,
    /// with the audit event and the notice to other instances, so concurrent
    /// changes of different keys all land. With `if_version` (an `If-Match`),
    /// nothing changes unless the stored version is that one. The username case
    /// rule cannot change once the tenant has users: their names were keyed
    /// under the old rule (checked in the same UPDATE).
    pub async fn change_policy(
        &self,
        tenant: &Tenant,
        change: &PolicyChange,
        if_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Tenant, Error> {
        let txn = self.db.begin().await?;
        let current = store::tenants::lock(&txn, tenant.id)
            .await?
            .ok_or(Error::NotFound("tenant"))?;
        if if_version.is_some_and(|version| version != current.version) {
            return Err(Error::Conflict);
        }
        let policy = current.policy.changed(change)?;
        let case_rule_changes =
            policy.username_case_insensitive != current.policy.username_case_insensitive;
        if !store::tenants::write_policy(&txn, tenant.id, &policy, case_rule_changes).await? {
            return Err(Error::Rejected(vec![FieldError::new(
                "username_case_insensitive",
                Problem::NotAllowed,
            )]));
        }
        let event = audit::Event::new(audit::Kind::PolicyUpdated, "tenant")
            .with_detail(serde_json::json!({"changed": change.keys()}));
        store::audit::insert(&txn, tenant.id, now, &audit::current(), &[event]).await?;
        store::changes::publish(&txn, &Change::Tenant(tenant.client_id.to_string()), now).await?;
        txn.commit().await?;
        self.forget(tenant.client_id.as_str());
        Ok(Tenant {
            policy,
            version: current.version + 1,
            ..current
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<TenantPolicy, Error> {
        TenantPolicy::default().changed(&PolicyChange::from_settings(pairs.iter().copied())?)
    }

    #[test]
    fn settings_parse_each_key() {
        let policy = settings(&[
            ("public_signup_enabled", "false"),
            (
                "allowed_origins",
                "https://a.example, http://localhost:3000",
            ),
            ("password_min_length", "12"),
            ("rate_limit.sign_up_per_ip", "3/60"),
        ])
        .unwrap();
        assert!(!policy.public_signup_enabled);
        assert!(policy.allows_origin("http://localhost:3000"));
        assert!(!policy.allows_origin("https://evil.example"));
        assert_eq!(policy.signup_password_policy().min_chars, 12);
        assert_eq!(policy.rate_limits["sign_up_per_ip"], Quota::new(3, 60));
    }

    #[test]
    fn bad_keys_and_values_are_refused() {
        let refused = |result: Result<TenantPolicy, Error>| match result {
            Err(Error::Rejected(fields)) => fields.into_iter().next(),
            _ => None,
        };
        for key in ["nope", "rate_limits"] {
            let field = refused(settings(&[(key, "1")]));
            assert_eq!(field.map(|f| f.problem), Some(Problem::NotAllowed), "{key}");
        }
        for (key, value) in [
            ("public_signup_enabled", "yes please"),
            ("allowed_origins", "https://a.example/path"),
            ("allowed_origins", ""),
            ("password_min_classes", "5"),
            ("password_min_length", "0"),
            ("password_min_length", "-1"),
            ("rate_limit.sign_up_per_ip", "0/60"),
        ] {
            let field = refused(settings(&[(key, value)])).expect("refused");
            assert_eq!(field.problem, Problem::Invalid, "{key}={value}");
            assert!(
                field.field.starts_with(key.split('.').next().unwrap()),
                "{key}={value}"
            );
        }
    }

    #[test]
    fn json_changes_are_typed_and_merge_only_their_keys() {
        let base = TenantPolicy {
            invite_only: true,
            ..TenantPolicy::default()
        };
        let change = PolicyChange::from_json(
            json!({
                "password_min_length": 10,
                "require_email": null,
                "rate_limits": {"login_failures": {"limit": 0, "window_secs": 0}, "sign_up_per_ip": "default"},
            })
            .as_object()
            .unwrap()
            .clone(),
        )
        .unwrap();
        let changed = base.changed(&change).unwrap();
        assert!(changed.invite_only, "untouched keys keep their value");
        assert_eq!(changed.password_min_length, 10);
        assert_eq!(changed.rate_limits["login_failures"], Quota::new(0, 0));
        assert_eq!(
            change.keys(),
            [
                "password_min_length",
                "rate_limit.login_failures",
                "rate_limit.sign_up_per_ip"
            ]
        );
        for bad in [
            json!({"public_client": "true"}),
            json!({"password_min_length": -3}),
            json!({"allowed_origins": [1]}),
            json!({"rate_limits": {"sign_up_per_ip": 3}}),
            json!({"rate_limits": {"nope": "3/60"}}),
        ] {
            assert!(
                PolicyChange::from_json(bad.as_object().unwrap().clone()).is_err(),
                "{bad}"
            );
        }
    }
}
