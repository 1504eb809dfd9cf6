//! What every request handler and CLI command needs: the database, the registration
//! pipeline and the clock.

use sea_orm::DatabaseConnection;

use crate::{
    auth::{HashError, PasswordHasher},
    config::Config,
    domain::{Clock, registration::Registrar, tenant::Tenants},
};

#[derive(Clone)]
pub struct AppContext {
    pub db: DatabaseConnection,
    pub tenants: Tenants,
    pub registrar: Registrar,
    pub clock: Clock,
}

impl AppContext {
    pub fn new(config: &Config, db: DatabaseConnection, clock: Clock) -> Result<Self, HashError> {
        let hasher = PasswordHasher::new(
            config.argon2,
            config.hashing_slots(),
            config.hashing.queue_depth,
        )?;
        Ok(Self {
            tenants: Tenants::new(db.clone()),
            registrar: Registrar::new(db.clone(), hasher, clock.clone()),
            db,
            clock,
        })
    }
}
