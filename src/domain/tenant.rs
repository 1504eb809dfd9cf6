//! Tenants (the apps, OAuth2 clients) and the policy each one sets for its users.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};

pub use super::values::tenant::{PublicSignUp, Tenant, TenantPolicy};
use super::{ClientId, Error, FieldError, Problem, audit, policy_change::PolicyChange};
use crate::store::{self, changes::Change};

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
    pub async fn by_client_id(&self, raw: &str) -> Result<Option<Tenant>, Error> {
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
