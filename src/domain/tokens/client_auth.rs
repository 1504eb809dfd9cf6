//! Client authentication (RFC 6749 section 2.3): a client's secret, checked
//! against the tenant's live secrets (cached a few seconds), or a public
//! client named alone.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use super::TokenService;
use crate::{
    auth::secrets::hash_secret,
    domain::{
        Tenant,
        error::{Credential, Error},
    },
    store,
};

/// What a client presented to authenticate itself.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// A client that proved who it is: with its secret (confidential), or by naming
/// a tenant marked public (RFC 6749 section 2.1), which may only use the grants
/// that act for a user.
#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    pub tenant: Tenant,
    pub confidential: bool,
}

/// Live client-secret hashes per tenant, trusted for [`SECRET_CACHE_TTL`]: token
/// requests then need no database round trip. A secret issued since is found by
/// the re-read on mismatch; an early expiry set by another process is seen within
/// the TTL.
#[derive(Clone, Default)]
pub(super) struct SecretCache(Arc<Mutex<HashMap<i64, CachedSecrets>>>);

type CachedSecrets = (Instant, Vec<(String, Option<DateTime<Utc>>)>);

const SECRET_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
const SECRET_CACHE_CAPACITY: usize = 10_000;

impl SecretCache {
    pub(super) fn clear(&self) {
        if let Ok(mut cache) = self.0.lock() {
            cache.clear();
        }
    }

    fn get(&self, tenant_id: i64) -> Option<Vec<(String, Option<DateTime<Utc>>)>> {
        let cache = self.0.lock().ok()?;
        let (at, live) = cache.get(&tenant_id)?;
        (at.elapsed() < SECRET_CACHE_TTL).then(|| live.clone())
    }

    fn put(&self, tenant_id: i64, live: Vec<(String, Option<DateTime<Utc>>)>) {
        if let Ok(mut cache) = self.0.lock() {
            if cache.len() >= SECRET_CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(tenant_id, (Instant::now(), live));
        }
    }
}

impl TokenService {
    /// The client whose client_id and live secret were presented, or a public
    /// client named without a secret. A secret, when presented, must be right.
    pub async fn authenticate(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<AuthenticatedClient, Error> {
        let tenant = self
            .tenants
            .by_client_id(&credentials.client_id)
            .await?
            .ok_or(Error::Unauthenticated(Credential::Client))?;
        let Some(secret) = credentials.client_secret.as_deref() else {
            return if tenant.policy.public_client {
                Ok(AuthenticatedClient {
                    tenant,
                    confidential: false,
                })
            } else {
                Err(Error::Unauthenticated(Credential::Client))
            };
        };
        let presented = hash_secret(secret);
        let now = self.clock.now();
        let cached = self.secrets.get(tenant.id);
        let matches = match cached {
            Some(live) if secret_matches(&live, &presented, now) => true,
            // Not cached, stale, or a secret issued since: read the database once.
            _ => {
                let live = store::tenants::live_secret_hashes(&self.db, tenant.id, now).await?;
                let matches = secret_matches(&live, &presented, now);
                self.secrets.put(tenant.id, live);
                matches
            }
        };
        if matches {
            Ok(AuthenticatedClient {
                tenant,
                confidential: true,
            })
        } else {
            Err(Error::Unauthenticated(Credential::Client))
        }
    }
}

/// Constant-time comparison against every secret still valid at `now`.
fn secret_matches(
    live: &[(String, Option<DateTime<Utc>>)],
    presented: &str,
    now: DateTime<Utc>,
) -> bool {
    let found = live
        .iter()
        .fold(subtle::Choice::from(0), |found, (stored, expires_at)| {
            let valid = subtle::Choice::from(u8::from(expires_at.is_none_or(|at| at > now)));
            found | (stored.as_bytes().ct_eq(presented.as_bytes()) & valid)
        });
    bool::from(found)
}
