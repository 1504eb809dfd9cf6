//! Tenants (the apps, OAuth2 clients) and the policy each one sets for its users.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::{
    ClientId, PasswordPolicy, UsernameCharset, UsernameRules, audit,
    password::MAX_PASSWORD_CHARS,
    policy_change::{PolicyChange, PolicyError},
};
use crate::{
    ratelimit::Quota,
    store::{self, changes::Change},
};

#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub id: i64,
    pub client_id: ClientId,
    pub name: String,
    pub policy: TenantPolicy,
    pub created_at: DateTime<Utc>,
    /// Bumped by every change of the policy: the tenant's `ETag`.
    pub version: i64,
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
    cache: Arc<Mutex<Cache>>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<ClientId, (Instant, Tenant)>,
    /// Bumped by every forgetting, under the same lock as the entries: a read
    /// that began before one must not put back what it read.
    forgotten: u64,
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
        let before = self.cache.lock().map(|cache| cache.forgotten).ok();
        let found = store::tenants::find_by_client_id(&self.db, &client_id).await?;
        if let (Some(tenant), Some(before)) = (&found, before) {
            self.remember(tenant, before);
        }
        Ok(found)
    }

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
    ) -> Result<Tenant, PolicyUpdateError> {
        let txn = self.db.begin().await?;
        let current = store::tenants::lock(&txn, tenant.id)
            .await?
            .ok_or(PolicyUpdateError::NotFound)?;
        if if_version.is_some_and(|version| version != current.version) {
            return Err(PolicyUpdateError::VersionMismatch);
        }
        let policy = current.policy.changed(change)?;
        let case_rule_changes =
            policy.username_case_insensitive != current.policy.username_case_insensitive;
        if !store::tenants::write_policy(&txn, tenant.id, &policy, case_rule_changes).await? {
            return Err(PolicyUpdateError::CaseRuleLocked);
        }
        let event = audit::Event::new("policy.updated", "tenant")
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

    /// Drops every cached tenant.
    pub fn forget_all(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.forgotten += 1;
            cache.entries.clear();
        }
    }

    /// Drops the cached copy of a tenant (changed here or, as the change feed
    /// says, elsewhere).
    pub fn forget(&self, client_id: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.forgotten += 1;
            if let Ok(client_id) = ClientId::parse(client_id) {
                cache.entries.remove(&client_id);
            }
        }
    }

    fn cached(&self, client_id: &ClientId) -> Option<Tenant> {
        let cache = self.cache.lock().ok()?;
        let (at, tenant) = cache.entries.get(client_id)?;
        (at.elapsed() < CACHE_TTL).then(|| tenant.clone())
    }

    /// Caches what a read found, unless a forgetting came after the read began.
    fn remember(&self, tenant: &Tenant, read_after: u64) {
        if let Ok(mut cache) = self.cache.lock()
            && cache.forgotten == read_after
        {
            if cache.entries.len() >= CACHE_CAPACITY {
                cache.entries.clear();
            }
            let entry = (Instant::now(), tenant.clone());
            cache.entries.insert(tenant.client_id.clone(), entry);
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
    #[error("the policy changed since the version given")]
    VersionMismatch,
    #[error("no such tenant")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] PolicyError),
    #[error(transparent)]
    Storage(#[from] DbErr),
}

impl TenantPolicy {
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
    fn missing_keys_in_stored_json_take_defaults() {
        let policy: TenantPolicy =
            serde_json::from_str(r#"{"public_signup_enabled":false}"#).unwrap();
        assert!(!policy.public_signup_enabled);
        assert!(policy.username_case_insensitive);
    }
}
