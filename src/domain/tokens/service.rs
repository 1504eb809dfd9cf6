//! The token service: what it is built from, and what it hands out.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::{Revocations, client_auth::SecretCache};
use crate::{
    auth::{PasswordHasher, keys::KeyRing, tokens::Claims, verified::VerifiedTokens},
    domain::{Clock, Role, tenants::Tenants},
    ratelimit::RateLimits,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokensConfig {
    /// The `iss` of access tokens and the issuer of the discovery document: the
    /// service's public base URL. Unset, it is derived from `listen` (see
    /// [`Config::issuer`]), which suits one instance on one machine only.
    pub issuer: Option<String>,
    /// Access token lifetime, in seconds.
    pub access_ttl_secs: u32,
    /// Refresh token lifetime, in seconds.
    pub refresh_ttl_secs: u32,
}

impl Default for TokensConfig {
    fn default() -> Self {
        Self {
            issuer: None,
            access_ttl_secs: 900,
            refresh_ttl_secs: 30 * 24 * 3600,
        }
    }
}

/// A successful token response.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    pub scope: String,
}

#[derive(Clone)]
pub struct TokenService {
    pub(super) db: DatabaseConnection,
    pub(super) tenants: Tenants,
    pub(super) keys: KeyRing,
    pub(super) hasher: PasswordHasher,
    pub(super) clock: Clock,
    pub(super) issuer: String,
    pub(super) settings: TokensConfig,
    pub(super) secrets: SecretCache,
    pub(super) revocations: Revocations,
    pub(super) limits: RateLimits,
    pub(super) verified: Arc<VerifiedTokens<Claims>>,
}

/// What the token service needs besides what every service shares.
pub struct TokenSetup {
    pub keys: KeyRing,
    /// The `iss` of every token (see `Config::issuer`).
    pub issuer: String,
    pub settings: TokensConfig,
    pub revocations: Revocations,
    /// Locks usernames out after repeated failed password grants.
    pub limits: RateLimits,
}

/// Whom a token is for.
pub(super) struct Subject {
    pub(super) sub: String,
    pub(super) roles: Vec<Role>,
}

impl TokenService {
    pub fn new(
        db: DatabaseConnection,
        tenants: Tenants,
        hasher: PasswordHasher,
        clock: Clock,
        setup: TokenSetup,
    ) -> Self {
        Self {
            db,
            tenants,
            keys: setup.keys,
            issuer: setup.issuer,
            hasher,
            clock,
            settings: setup.settings,
            secrets: SecretCache::default(),
            revocations: setup.revocations,
            limits: setup.limits,
            verified: Arc::default(),
        }
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// Drops the cached client secrets (a tenant's changed elsewhere).
    pub fn forget_secrets(&self) {
        self.secrets.clear();
    }

    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
