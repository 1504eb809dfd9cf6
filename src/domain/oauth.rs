//! The OAuth2 grants (RFC 6749): client authentication, client_credentials,
//! password and refresh_token, issuing EdDSA access tokens and rotating refresh
//! tokens.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tracing::instrument;
use uuid::Uuid;

use super::{
    Clock, Role, Scope, Tenant, Username,
    error::{Credential, Denied, Error},
    revocation::Revocations,
    tenant::Tenants,
    values::{Account, password::MAX_PASSWORD_CHARS},
};
use crate::{
    auth::{
        PasswordHasher,
        hashing::Verified,
        keys::KeyRing,
        secrets::{generate_client_secret, hash_secret},
        tokens::{self, Claims},
        verified::VerifiedTokens,
    },
    domain::audit,
    ratelimit::RateLimits,
    store::{self, refresh_tokens::NewRefreshToken},
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
    hasher: PasswordHasher,
    pub(super) clock: Clock,
    issuer: String,
    settings: TokensConfig,
    secrets: SecretCache,
    pub(super) revocations: Revocations,
    limits: RateLimits,
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

/// Live client-secret hashes per tenant, trusted for [`SECRET_CACHE_TTL`]: token
/// requests then need no database round trip. A secret issued since is found by
/// the re-read on mismatch; an early expiry set by another process is seen within
/// the TTL.
#[derive(Clone, Default)]
struct SecretCache(Arc<Mutex<HashMap<i64, CachedSecrets>>>);

type CachedSecrets = (Instant, Vec<(String, Option<DateTime<Utc>>)>);

const SECRET_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
const SECRET_CACHE_CAPACITY: usize = 10_000;

impl SecretCache {
    fn clear(&self) {
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

const INVALID_REFRESH: Error = Error::Unauthenticated(Credential::Grant("invalid refresh token"));

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

    /// A token for the tenant itself (RFC 6749 section 4.4); no refresh token.
    /// Not for a public client: its secret cannot be kept (it ships inside the
    /// app), so nothing that acts as the tenant itself is open to it, secret or not.
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn client_credentials(
        &self,
        tenant: &Tenant,
        scope: Option<&str>,
    ) -> Result<IssuedTokens, Error> {
        if tenant.policy.public_client {
            return Err(Error::Forbidden(Denied::Client(
                "a public client cannot use the client_credentials grant",
            )));
        }
        let scopes = granted_scopes(scope, &Scope::ALL)?;
        let subject = Subject {
            sub: tenant.client_id.to_string(),
            roles: Vec::new(),
        };
        let (access_token, expires_in) = self.access_token(tenant, &subject, &scopes)?;
        Ok(IssuedTokens {
            access_token,
            expires_in,
            refresh_token: None,
            scope: Scope::join(&scopes),
        })
    }

    /// Resource owner password credentials (RFC 6749 section 4.3). Unknown users
    /// cost the same hash time as a wrong password; every guess holds one of the
    /// name's allowed failures while it is judged (see
    /// [`RateLimits::login_attempt`]).
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn password(
        &self,
        tenant: &Tenant,
        username: &str,
        password: &str,
        scope: Option<&str>,
    ) -> Result<IssuedTokens, Error> {
        const REFUSED: Error =
            Error::Unauthenticated(Credential::Grant("invalid username or password"));
        // No password that long was ever accepted, and hashing whatever arrives
        // would let one request buy a long argon2 run.
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(REFUSED);
        }
        // A name that cannot parse cannot exist, nor be locked out.
        let key = Username::parse(username, tenant.policy.signup_username_rules()).ok();
        let attempt = match &key {
            Some(key) => match self.limits.login_attempt(tenant, key.key()).await? {
                Some(attempt) => Some((key.key(), attempt)),
                None => return Err(REFUSED),
            },
            None => None,
        };
        let judged = self.judge(tenant, key.as_ref(), password).await;
        let (user, verified) = match judged {
            Ok(judged) => judged,
            Err(err) => {
                // Not judged (the pool is full, say): the guess takes nothing.
                if let Some((key, attempt)) = attempt {
                    self.limits.login_succeeded(tenant, key, attempt).await?;
                }
                return Err(err);
            }
        };
        let user = match user {
            Some(user) if verified.matches => user,
            wrong => {
                if let Some((key, attempt)) = attempt {
                    self.limits.login_failed(tenant, key, attempt).await?;
                }
                // The attempted name, bounded: it is the caller's input.
                let attempted: String = username.chars().take(150).collect();
                let event = audit::Event {
                    kind: audit::Kind::LoginFailed,
                    subject: wrong.map(|user| audit::user(user.uuid)),
                    detail: Some(serde_json::json!({"username": attempted})),
                };
                audit::record(&self.db, tenant.id, self.clock.now(), &[event]).await?;
                return Err(REFUSED);
            }
        };
        if let Some((key, attempt)) = attempt {
            self.limits.login_succeeded(tenant, key, attempt).await?;
        }
        if user.is_disabled() {
            return Err(Error::Unauthenticated(Credential::Grant(
                "the account is disabled",
            )));
        }
        let rehashed = if verified.outdated {
            let parsed = super::Password::parse(password, super::PasswordPolicy::LENIENT)
                .map_err(|_| REFUSED)?;
            Some(self.hasher.hash(&parsed).await?)
        } else {
            None
        };
        // The login is recorded, the hash upgraded and the refresh token stored
        // only if the hash just verified is still the user's (a reset may have
        // replaced it while we hashed): in one transaction, the user's row locked.
        let verified_hash = user.password_hash.clone();
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let current = store::users::lock(&txn, tenant.id, user.id).await?;
        let still = current.is_some_and(|current| {
            current.password_hash == verified_hash && !current.is_disabled()
        });
        if !still {
            return Err(REFUSED);
        }
        // The roles as they stand with the row locked: a demotion that landed
        // while we hashed is seen.
        let roles = store::users::roles_of(&txn, tenant.id, user.id).await?;
        let scopes = granted_scopes(scope, &user_scopes(&roles))?;
        store::users::record_login(&txn, tenant.id, user.id, rehashed, now).await?;
        let subject = Subject {
            sub: user.id.to_string(),
            roles,
        };
        let issued = self
            .user_tokens(&txn, tenant, &user, &subject, &scopes, Uuid::now_v7(), None)
            .await?
            .ok_or(REFUSED)?;
        txn.commit().await?;
        Ok(issued)
    }

    /// The user a name belongs to, and whether `password` is theirs; a name
    /// nobody holds (or that cannot exist) costs one hash all the same.
    async fn judge(
        &self,
        tenant: &Tenant,
        key: Option<&Username>,
        password: &str,
    ) -> Result<(Option<Account>, Verified), Error> {
        let user = match key {
            Some(key) => store::users::find_by_username_key(&self.db, tenant.id, key.key()).await?,
            None => None,
        };
        match user.and_then(|u| u.password_hash.clone().map(|hash| (u, hash))) {
            Some((user, stored_hash)) => {
                let verified = self.hasher.verify(&stored_hash, password).await?;
                if !verified.matches {
                    tracing::info!(user_id = user.id, "password grant refused: wrong password");
                }
                Ok((Some(user), verified))
            }
            None => {
                self.hasher.verify_dummy(password).await?;
                Ok((None, Verified::NO_MATCH))
            }
        }
    }

    /// Refresh token rotation (RFC 6749 section 6, with reuse detection): a spent
    /// token presented again revokes its whole family, and so does a race of two
    /// refreshes of one token: the loser revokes the family, winner's new token
    /// included, since the winner stored it in the transaction that spent the old.
    #[instrument(skip_all, fields(tenant = %tenant.client_id))]
    pub async fn refresh(
        &self,
        tenant: &Tenant,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> Result<IssuedTokens, Error> {
        let now = self.clock.now();
        let stored = store::refresh_tokens::find(&self.db, &hash_secret(refresh_token))
            .await?
            .filter(|t| t.tenant_id == tenant.id)
            .ok_or(INVALID_REFRESH)?;
        if stored.revoked_at.is_some() || stored.expires_at <= now {
            return Err(INVALID_REFRESH);
        }
        if stored.used_at.is_some() {
            return Err(self.reused(tenant, stored.user_id, stored.family).await);
        }
        // The rotation, a reset, a disable and a reuse's revocation all lock the
        // user's row first, so each sees what the others committed: no token
        // minted during a reset or a reuse survives it.
        let txn = self.db.begin().await?;
        let user = store::users::lock(&txn, tenant.id, stored.user_id)
            .await?
            .filter(|u| !u.is_disabled())
            .ok_or(INVALID_REFRESH)?;
        let roles = store::users::roles_of(&txn, tenant.id, user.id).await?;
        // What the token carried, but no more than the user may hold today.
        let allowed: Vec<Scope> = Scope::parse_list(&stored.scope)
            .unwrap_or_default()
            .into_iter()
            .filter(|scope| user_scopes(&roles).contains(scope))
            .collect();
        let scopes = granted_scopes(scope, &allowed)?;
        let subject = Subject {
            sub: user.id.to_string(),
            roles,
        };
        let issued = self
            .user_tokens(
                &txn,
                tenant,
                &user,
                &subject,
                &scopes,
                stored.family,
                Some(stored.id),
            )
            .await?;
        match issued {
            Some(issued) => {
                txn.commit().await?;
                Ok(issued)
            }
            None => {
                drop(txn);
                Err(self.reused(tenant, stored.user_id, stored.family).await)
            }
        }
    }

    /// A spent refresh token came back: every token of its family is revoked,
    /// with the user's row locked so that a rotation still in flight commits
    /// its new token first and is revoked too.
    async fn reused(&self, tenant: &Tenant, user_id: i64, family: Uuid) -> Error {
        let revoked = async {
            let txn = self.db.begin().await?;
            store::users::lock(&txn, tenant.id, user_id).await?;
            let revoked =
                store::refresh_tokens::revoke_family(&txn, family, self.clock.now()).await?;
            txn.commit().await?;
            Ok::<_, DbErr>(revoked)
        };
        match revoked.await {
            Ok(revoked) => {
                tracing::warn!(%family, revoked, "refresh token reused: family revoked");
                INVALID_REFRESH
            }
            Err(err) => err.into(),
        }
    }

    /// An access token and a refresh token for a user, the refresh token stored
    /// with the audit event of its issue in the caller's transaction; a rotation
    /// also spends the token it `replaces` there. `None` when that one was spent
    /// or revoked already (a replay, or a refresh raced by another): the caller
    /// rolls back and treats it as reuse.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn user_tokens<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant: &Tenant,
        user: &Account,
        subject: &Subject,
        scopes: &[Scope],
        family: Uuid,
        replaces: Option<i64>,
    ) -> Result<Option<IssuedTokens>, Error> {
        let (access_token, expires_in) = self.access_token(tenant, subject, scopes)?;
        let (refresh_token, token_hash) = generate_client_secret();
        let now = self.clock.now();
        let scope = Scope::join(scopes);
        let token = NewRefreshToken {
            token_hash: &token_hash,
            family,
            tenant_id: tenant.id,
            user_id: user.id,
            scope: &scope,
            now,
            expires_at: now + Duration::seconds(i64::from(self.settings.refresh_ttl_secs)),
        };
        if !store::refresh_tokens::issue(db, token, replaces).await? {
            return Ok(None);
        }
        // Client credentials tokens change nothing and are not audited; a user's
        // login is, with its refresh token.
        let event = audit::Event::new(audit::Kind::TokenIssued, audit::user(user.uuid))
            .with_detail(serde_json::json!({"scope": scope, "family": family}));
        store::audit::insert(db, tenant.id, now, &audit::current(), &[event]).await?;
        use secrecy::ExposeSecret;
        Ok(Some(IssuedTokens {
            access_token,
            expires_in,
            refresh_token: Some(refresh_token.expose_secret().to_owned()),
            scope,
        }))
    }

    fn access_token(
        &self,
        tenant: &Tenant,
        subject: &Subject,
        scopes: &[Scope],
    ) -> Result<(String, i64), Error> {
        let now = self.clock.now().timestamp();
        let ttl = i64::from(self.settings.access_ttl_secs);
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: subject.sub.clone(),
            aud: tenant.client_id.to_string(),
            client_id: tenant.client_id.to_string(),
            tid: tenant.id,
            roles: subject
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            scope: Scope::join(scopes),
            iat: now,
            exp: now + ttl,
            jti: Uuid::now_v7().to_string(),
        };
        Ok((tokens::sign(&self.keys, &claims)?, ttl))
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

/// Scopes a user may hold: tenant admins get every scope, other users none.
pub(super) fn user_scopes(roles: &[Role]) -> Vec<Scope> {
    if roles.contains(&Role::Admin) {
        Scope::ALL.to_vec()
    } else {
        Vec::new()
    }
}

/// The requested scopes when all are allowed; everything allowed when none are
/// requested (RFC 6749 section 3.3 lets the server pick a default).
fn granted_scopes(requested: Option<&str>, allowed: &[Scope]) -> Result<Vec<Scope>, Error> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(allowed.to_vec());
    };
    let scopes = Scope::parse_list(requested).ok_or(Error::Forbidden(Denied::Scope))?;
    if scopes.iter().all(|s| allowed.contains(s)) {
        Ok(scopes)
    } else {
        Err(Error::Forbidden(Denied::Scope))
    }
}
