//! Looking tenants up by what callers present, through a short-lived cache
//! that every change (here, or elsewhere as the change feed tells) clears.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sea_orm::DatabaseConnection;

use crate::{
    domain::{ClientId, Error, Tenant},
    store,
};

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
    pub(super) db: DatabaseConnection,
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
