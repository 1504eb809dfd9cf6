//! Argon2id hashing on a bounded pool: at most `slots` hashes run at once and at most
//! `queue_depth` callers wait; anyone beyond that is turned away at once, so a flood
//! of sign-ups costs bounded memory and answers 503 instead of timing out.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, Version, password_hash::SaltString};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::{config::Argon2Config, domain::Password};

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("the hashing queue is full")]
    Overloaded,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    /// Permits for running plus waiting hashes; none left means shed load.
    admission: Arc<Semaphore>,
    /// Permits for running hashes.
    slots: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(config: Argon2Config, slots: usize, queue_depth: usize) -> Result<Self, HashError> {
        Ok(Self {
            argon2: argon2id(config)?,
            admission: Arc::new(Semaphore::new(slots + queue_depth)),
            slots: Arc::new(Semaphore::new(slots)),
        })
    }

    /// Hashes a password into a PHC string with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let _admitted = self
            .admission
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashError::Overloaded)?;
        let _slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|err| HashError::Failed(err.to_string()))?;
        let password = password.clone();
        let argon2 = self.argon2.clone();
        let span = tracing::debug_span!("argon2_hash");
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            hash_blocking(&argon2, password.expose())
        })
        .in_current_span()
        .await
        .map_err(|err| HashError::Failed(err.to_string()))?
    }
}

/// One synchronous argon2id hash with the given parameters (also used by the benchmark
/// to measure the machine's raw hashing limit).
pub fn hash_blocking(argon2: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    use argon2::password_hash::PasswordHasher as _;
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| HashError::Failed(err.to_string()))
}

/// An argon2id hasher with the configured parameters.
pub fn argon2id(config: Argon2Config) -> Result<Argon2<'static>, HashError> {
    let params = Params::new(
        config.memory_kib,
        config.iterations,
        config.parallelism,
        None,
    )
    .map_err(|err| HashError::Failed(err.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PasswordPolicy;

    const CHEAP: Argon2Config = Argon2Config {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[tokio::test]
    async fn produces_a_verifiable_argon2id_phc_string() {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let hasher = PasswordHasher::new(CHEAP, 1, 1).unwrap();
        let password = Password::parse("correct horse", PasswordPolicy::LENIENT).unwrap();
        let phc = hasher.hash(&password).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            argon2id(CHEAP)
                .unwrap()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn sheds_load_when_slots_and_queue_are_taken() {
        let hasher = PasswordHasher::new(CHEAP, 1, 1).unwrap();
        let held = hasher.admission.clone().try_acquire_many_owned(2).unwrap();
        let password = Password::parse("pw", PasswordPolicy::LENIENT).unwrap();
        assert!(matches!(
            hasher.hash(&password).await,
            Err(HashError::Overloaded)
        ));
        drop(held);
        assert!(hasher.hash(&password).await.is_ok());
    }
}
