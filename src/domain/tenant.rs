//! Tenants (the apps, OAuth2 clients) and the policy each one sets for its users.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use serde::{Deserialize, Serialize};

use super::{
    ClientId, PasswordPolicy, UsernameCharset, UsernameRules, password::MAX_PASSWORD_CHARS,
};
use crate::{
    ratelimit::{PolicyName, Quota},
    store,
};

/// Policy keys `rate_limit.<policy>` override one configured quota.
pub const RATE_LIMIT_PREFIX: &str = "rate_limit.";

#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub id: i64,
    pub client_id: ClientId,
    pub name: String,
    pub policy: TenantPolicy,
    pub created_at: DateTime<Utc>,
}

/// How long a looked-up tenant is trusted before it is read again. Changes made in
/// this process invalidate at once; changes made by another instance or the CLI are
/// seen within this bound.
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Beyond this many cached tenants the cache starts over, so memory stays bounded.
const CACHE_CAPACITY: usize = 10_000;

/// Looks tenants up by what callers present, with a short-lived cache: every
/// request names its tenant, and tenants change rarely.
#[derive(Clone)]
pub struct Tenants {
    db: DatabaseConnection,
    cache: Arc<Mutex<HashMap<ClientId, (Instant, Tenant)>>>,
}

impl Tenants {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            cache: Arc::default(),
        }
    }

    /// The tenant a raw `client_id` names; `None` when it is malformed or unknown,
    /// which callers must not tell apart. Unknown ids are not cached, so guessing
    /// cannot fill memory.
    pub async fn by_client_id(&self, raw: &str) -> Result<Option<Tenant>, DbErr> {
        let Ok(client_id) = ClientId::parse(raw) else {
            return Ok(None);
        };
        if let Some(tenant) = self.cached(&client_id) {
            return Ok(Some(tenant));
        }
        let found = store::tenants::find_by_client_id(&self.db, &client_id).await?;
        if let Some(tenant) = &found {
            self.remember(tenant);
        }
        Ok(found)
    }

    /// Stores a new policy and drops the cached copy. The username case rule
    /// cannot change once the tenant has users: their names were keyed under the
    /// old rule, and changing it would let duplicates in or lock users out.
    pub async fn update_policy(
        &self,
        tenant: &Tenant,
        policy: &TenantPolicy,
    ) -> Result<(), PolicyUpdateError> {
        if policy.username_case_insensitive != tenant.policy.username_case_insensitive {
            if !store::tenants::update_policy_while_empty(&self.db, tenant.id, policy).await? {
                return Err(PolicyUpdateError::CaseRuleLocked);
            }
        } else {
            store::tenants::update_policy(&self.db, tenant.id, policy).await?;
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&tenant.client_id);
        }
        Ok(())
    }

    fn cached(&self, client_id: &ClientId) -> Option<Tenant> {
        let cache = self.cache.lock().ok()?;
        let (at, tenant) = cache.get(client_id)?;
        (at.elapsed() < CACHE_TTL).then(|| tenant.clone())
    }

    fn remember(&self, tenant: &Tenant) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(tenant.client_id.clone(), (Instant::now(), tenant.clone()));
        }
    }
}

/// Stored as JSON; absent keys take their defaults, so old rows read fine after new
/// keys are added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantPolicy {
    /// Whether `POST /sign-up` accepts registrations for this tenant.
    pub public_signup_enabled: bool,
    /// RFC 8265 UsernameCaseMapped (true) or UsernameCasePreserved (false).
    pub username_case_insensitive: bool,
    /// Browser origins allowed to call the public surfaces; `*` allows any.
    pub allowed_origins: Vec<String>,
    /// Minimum password length for sign-ups (8 unless the tenant lowers it).
    pub password_min_length: usize,
    /// How many of lower / upper / digit / symbol a sign-up password needs.
    pub password_min_classes: u8,
    /// A public client (RFC 6749 section 2.1: a browser or mobile app that cannot
    /// keep a secret) may use the password and refresh_token grants with its
    /// client_id alone.
    pub public_client: bool,
    /// The community API v2 account surface requires an email (seed 001), or not
    /// (seed 000).
    pub require_email: bool,
    /// The account surface requires a password; without one a user is `pending`.
    pub require_password: bool,
    /// Registrations through the community API v2 need an invite code.
    pub invite_only: bool,
    /// Registrations may redeem a promo code.
    pub promo_codes_enabled: bool,
    /// Quotas that replace the configured ones for this tenant, by policy name.
    pub rate_limits: BTreeMap<String, Quota>,
}

impl Default for TenantPolicy {
    fn default() -> Self {
        Self {
            public_signup_enabled: true,
            username_case_insensitive: true,
            allowed_origins: vec!["*".to_owned()],
            // NIST SP 800-63B: at least 8 characters for passwords users choose.
            password_min_length: 8,
            password_min_classes: 0,
            public_client: false,
            require_email: true,
            require_password: true,
            invite_only: false,
            promo_codes_enabled: false,
            rate_limits: BTreeMap::new(),
        }
    }
}

/// Whether the public sign-up registers anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicSignUp {
    Open,
    /// `public_signup_enabled = false`.
    Closed,
    /// `invite_only = true`: the public sign-up has no field for a code.
    InviteOnly,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyUpdateError {
    #[error("username_case_insensitive can only change while the tenant has no users")]
    CaseRuleLocked,
    #[error(transparent)]
    Storage(#[from] DbErr),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("unknown policy key `{0}` (known: {known}, rate_limit.<{policies}>)", known = TenantPolicy::KEYS.join(", "), policies = PolicyName::CONFIGURABLE.map(PolicyName::as_str).join("|"))]
    UnknownKey(String),
    #[error("invalid value for `{key}`: {reason}")]
    InvalidValue { key: String, reason: String },
}

impl TenantPolicy {
    pub const KEYS: &'static [&'static str] = &[
        "public_signup_enabled",
        "username_case_insensitive",
        "allowed_origins",
        "password_min_length",
        "password_min_classes",
        "public_client",
        "require_email",
        "require_password",
        "invite_only",
        "promo_codes_enabled",
    ];

    /// Sets one key from its textual form (`true`/`false`, numbers, comma-separated lists).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), PolicyError> {
        let invalid = |reason: &str| PolicyError::InvalidValue {
            key: key.to_owned(),
            reason: reason.to_owned(),
        };
        let boolean = || {
            value
                .parse::<bool>()
                .map_err(|_| invalid("expected true or false"))
        };
        match key {
            "public_signup_enabled" => self.public_signup_enabled = boolean()?,
            "username_case_insensitive" => self.username_case_insensitive = boolean()?,
            "public_client" => self.public_client = boolean()?,
            "require_email" => self.require_email = boolean()?,
            "require_password" => self.require_password = boolean()?,
            "invite_only" => self.invite_only = boolean()?,
            "promo_codes_enabled" => self.promo_codes_enabled = boolean()?,
            "allowed_origins" => {
                let origins: Vec<String> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|origin| !origin.is_empty())
                    .map(str::to_owned)
                    .collect();
                if origins.is_empty() {
                    return Err(invalid("expected `*` or a comma-separated list of origins"));
                }
                if let Some(bad) = origins.iter().find(|o| *o != "*" && !is_origin(o)) {
                    return Err(invalid(&format!(
                        "`{bad}` is not an origin like https://app.example"
                    )));
                }
                self.allowed_origins = origins;
            }
            "password_min_length" => {
                self.password_min_length = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PASSWORD_CHARS).contains(n))
                    .ok_or_else(|| invalid("expected a number from 1 to 128"))?;
            }
            "password_min_classes" => {
                self.password_min_classes = value
                    .parse()
                    .ok()
                    .filter(|n| *n <= 4)
                    .ok_or_else(|| invalid("expected a number from 0 to 4"))?;
            }
            other => match other.strip_prefix(RATE_LIMIT_PREFIX) {
                Some(name) if PolicyName::configurable(name).is_some() => {
                    self.set_rate_limit(name, value).map_err(invalid)?;
                }
                _ => return Err(PolicyError::UnknownKey(other.to_owned())),
            },
        }
        Ok(())
    }

    /// Replaces one policy's quota for this tenant (a limit of 0 is off, as in the
    /// configuration file).
    pub fn set_quota(&mut self, name: &str, quota: Quota) -> Result<(), PolicyError> {
        let key = format!("{RATE_LIMIT_PREFIX}{name}");
        if PolicyName::configurable(name).is_none() {
            return Err(PolicyError::UnknownKey(key));
        }
        if quota.limit > 0 && quota.window_secs == 0 {
            return Err(PolicyError::InvalidValue {
                key,
                reason: "window_secs must be at least 1".to_owned(),
            });
        }
        let quota = if quota.is_off() {
            Quota::new(0, 0)
        } else {
            quota
        };
        self.rate_limits.insert(name.to_owned(), quota);
        Ok(())
    }

    /// `LIMIT/WINDOW_SECS`, `off`, or `default` (back to the configured quota).
    fn set_rate_limit(&mut self, name: &str, value: &str) -> Result<(), &'static str> {
        let quota = match value.trim() {
            "default" => {
                self.rate_limits.remove(name);
                return Ok(());
            }
            "off" => Quota::new(0, 0),
            other => other
                .split_once('/')
                .and_then(|(limit, window)| {
                    Some(Quota::new(
                        limit.trim().parse().ok()?,
                        window.trim().parse().ok()?,
                    ))
                })
                .filter(|quota| quota.limit > 0 && quota.window_secs > 0)
                .ok_or("expected LIMIT/WINDOW_SECS (e.g. 30/60), off, or default")?,
        };
        self.rate_limits.insert(name.to_owned(), quota);
        Ok(())
    }

    /// Who `POST /sign-up` registers for this tenant; it takes no invite code.
    pub fn public_sign_up(&self) -> PublicSignUp {
        if !self.public_signup_enabled {
            PublicSignUp::Closed
        } else if self.invite_only {
            PublicSignUp::InviteOnly
        } else {
            PublicSignUp::Open
        }
    }

    pub fn allows_any_origin(&self) -> bool {
        self.allowed_origins.iter().any(|o| o == "*")
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allows_any_origin() || self.allowed_origins.iter().any(|o| o == origin)
    }

    /// The username rules of the public sign-up (and the CLI) for this tenant.
    pub fn signup_username_rules(&self) -> UsernameRules {
        UsernameRules {
            charset: UsernameCharset::Identifier,
            min_chars: 1,
            max_chars: 255,
            case_insensitive: self.username_case_insensitive,
        }
    }

    /// The password rules of the public sign-up for this tenant.
    pub fn signup_password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_chars: self.password_min_length,
            max_chars: MAX_PASSWORD_CHARS,
            min_classes: self.password_min_classes,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_open_sign_up_to_any_origin() {
        let policy = TenantPolicy::default();
        assert!(policy.public_signup_enabled);
        assert!(policy.username_case_insensitive);
        assert!(policy.allows_origin("https://anything.example"));
        assert_eq!(policy.signup_password_policy().min_chars, 8);
        assert_eq!(policy.public_sign_up(), PublicSignUp::Open);
    }

    #[test]
    fn set_parses_each_key() {
        let mut policy = TenantPolicy::default();
        policy.set("public_signup_enabled", "false").unwrap();
        policy
            .set(
                "allowed_origins",
                "https://a.example, http://localhost:3000",
            )
            .unwrap();
        policy.set("password_min_length", "12").unwrap();
        assert!(!policy.public_signup_enabled);
        assert!(policy.allows_origin("http://localhost:3000"));
        assert!(!policy.allows_origin("https://evil.example"));
        assert_eq!(policy.signup_password_policy().min_chars, 12);
    }

    #[test]
    fn set_rejects_bad_keys_and_values() {
        let mut policy = TenantPolicy::default();
        assert!(matches!(
            policy.set("nope", "1"),
            Err(PolicyError::UnknownKey(_))
        ));
        assert!(policy.set("public_signup_enabled", "yes please").is_err());
        assert!(
            policy
                .set("allowed_origins", "https://a.example/path")
                .is_err()
        );
        assert!(policy.set("password_min_classes", "5").is_err());
        assert_eq!(policy, TenantPolicy::default());
    }

    #[test]
    fn missing_keys_in_stored_json_take_defaults() {
        let policy: TenantPolicy =
            serde_json::from_str(r#"{"public_signup_enabled":false}"#).unwrap();
        assert!(!policy.public_signup_enabled);
        assert!(policy.username_case_insensitive);
    }
}
