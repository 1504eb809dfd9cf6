//! What every request handler and CLI command needs: the database, the domain's
//! services (tenants, registration, the user directory, tokens), the rate
//! limits and the clock.

use sea_orm::DatabaseConnection;

use crate::{
    auth::{PasswordHasher, keys::KeyRing, master_key::MasterKey},
    config::Config,
    domain::{
        Clock,
        tenants::Tenants,
        tokens::{Revocations, TokenService, TokenSetup},
        users::{Directory, Registrar},
    },
    ratelimit::RateLimits,
    startup::BoxError,
};

#[derive(Clone)]
pub struct AppContext {
    pub db: DatabaseConnection,
    pub tenants: Tenants,
    pub registrar: Registrar,
    /// The tenant's users as administrators list and change them.
    pub users: Directory,
    pub tokens: TokenService,
    /// The bounded argon2 pool the registrar and the token service share.
    pub hasher: PasswordHasher,
    pub limits: RateLimits,
    pub clock: Clock,
}

impl AppContext {
    /// Builds the shared services; creates the first signing key when there is none.
    pub async fn new(
        config: &Config,
        db: DatabaseConnection,
        clock: Clock,
    ) -> Result<Self, BoxError> {
        let hasher = PasswordHasher::new(
            config.argon2,
            config.hashing_slots(),
            config.hashing.queue_depth,
        )?;
        let tenants = Tenants::new(db.clone());
        let master = config
            .master_key
            .as_ref()
            .map(|key| MasterKey::parse(key.expose()))
            .transpose()?;
        if master.is_none() {
            tracing::warn!(
                "PORTCULLIS_MASTER_KEY is not set: token-signing keys are stored unencrypted"
            );
        }
        let keys = KeyRing::load(db.clone(), master, clock.now()).await?;
        let revocations = Revocations::load(db.clone(), clock.clone()).await?;
        let limits = RateLimits::new(&config.rate_limit, &config.redis_url, clock.clone())?;
        Ok(Self {
            tokens: TokenService::new(
                db.clone(),
                tenants.clone(),
                hasher.clone(),
                clock.clone(),
                TokenSetup {
                    keys,
                    issuer: config.issuer(),
                    settings: config.tokens.clone(),
                    revocations,
                    limits: limits.clone(),
                },
            ),
            registrar: Registrar::new(db.clone(), hasher.clone(), clock.clone()),
            users: Directory::new(db.clone(), hasher.clone(), clock.clone()),
            hasher,
            limits,
            tenants,
            db,
            clock,
        })
    }
}
