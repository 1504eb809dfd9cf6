//! Argon2id hashing on a bounded pool: `slots` dedicated threads and a queue of
//! `queue_depth` waiting jobs; anyone beyond that is turned away at once, so a flood
//! of sign-ups costs bounded memory and answers 503 instead of timing out.
//! Dedicated threads (rather than tokio's growing blocking pool) also keep the
//! allocator's per-thread arenas, and so peak memory, to `slots` hash buffers.

use std::{
    cell::RefCell,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
        mpsc::{Receiver, SyncSender, TrySendError, sync_channel},
    },
};

use argon2::{
    ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version,
    password_hash::{self, Output, ParamsString, PasswordHash, SaltString},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::domain::values::Password;

/// The argon2id parameters passwords are hashed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Config {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Config {
    /// OWASP's first recommended argon2id configuration.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("the hashing queue is full")]
    Overloaded,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    jobs: SyncSender<Job>,
    /// A hash of a random password, verified against when the user is unknown so
    /// that timing does not tell which usernames exist.
    dummy: Arc<String>,
    /// Jobs queued or running.
    in_flight: Arc<AtomicUsize>,
    /// Jobs run to completion since the pool started.
    completed: Arc<AtomicU64>,
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The hash was made with other argon2 parameters than the configured ones.
    pub outdated: bool,
}

impl Verified {
    /// No stored hash to match.
    pub const NO_MATCH: Self = Self {
        matches: false,
        outdated: false,
    };
}

impl PasswordHasher {
    /// Starts `slots` hashing threads; they stop when the last clone is dropped.
    pub fn new(config: Argon2Config, slots: usize, queue_depth: usize) -> Result<Self, HashError> {
        let (jobs, queue) = sync_channel::<Job>(queue_depth);
        let queue = Arc::new(Mutex::new(queue));
        for slot in 0..slots.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{slot}"))
                .spawn(move || run_jobs(&queue))
                .map_err(|err| HashError::Failed(err.to_string()))?;
        }
        let argon2 = argon2id(config)?;
        let dummy = hash_blocking(&argon2, &hex_random())?;
        Ok(Self {
            argon2,
            jobs,
            dummy: Arc::new(dummy),
            in_flight: Arc::default(),
            completed: Arc::default(),
        })
    }

    /// How many hashes are queued or running right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// How many hashes (and verifications) this pool has computed.
    pub fn completed(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    /// Checks a password against a stored hash, on the pool: argon2 in any of
    /// its variants and parameters, or a format imported from another system
    /// ([`super::foreign_hash`]), which is always outdated. A foreign hash's
    /// refusal also costs the dummy argon2id verification, so that it takes no
    /// less time than any other refusal.
    pub async fn verify(&self, stored: &str, password: &str) -> Result<Verified, HashError> {
        let (stored, password) = (stored.to_owned(), SecretString::from(password));
        let params = self.argon2.params().clone();
        let dummy = Arc::clone(&self.dummy);
        self.run(move || {
            let password = password.expose_secret();
            if stored.starts_with("$argon2") {
                return verify_blocking(&stored, password, &params);
            }
            let matches = super::foreign_hash::verify(&stored, password)
                .map_err(|err| HashError::Failed(err.to_string()))?;
            if !matches {
                verify_blocking(&dummy, password, &params)?;
            }
            Ok(Verified {
                matches,
                outdated: true,
            })
        })
        .await?
    }

    /// Costs what [`Self::verify`] costs and never matches.
    pub async fn verify_dummy(&self, password: &str) -> Result<(), HashError> {
        let dummy = Arc::clone(&self.dummy);
        let password = SecretString::from(password);
        let params = self.argon2.params().clone();
        self.run(move || verify_blocking(&dummy, password.expose_secret(), &params))
            .await?
            .map(drop)
    }

    /// Hashes a password into a PHC string with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.clone();
        let argon2 = self.argon2.clone();
        self.run(move || hash_blocking(&argon2, password.expose()))
            .await?
    }

    /// Runs `work` on a hashing thread, or refuses at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (done, result) = oneshot::channel();
        let span = tracing::debug_span!("argon2");
        let in_flight = Arc::clone(&self.in_flight);
        let completed = Arc::clone(&self.completed);
        let queued = in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        metrics::gauge!("portcullis_hashing_in_flight").set(queued as f64);
        let enqueued = std::time::Instant::now();
        let job: Job = Box::new(move || {
            metrics::histogram!("portcullis_hashing_wait_seconds")
                .record(enqueued.elapsed().as_secs_f64());
            let _entered = span.enter();
            let outcome = work();
            completed.fetch_add(1, Ordering::Relaxed);
            let _ = done.send(outcome);
            let left = in_flight.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
            metrics::gauge!("portcullis_hashing_in_flight").set(left as f64);
        });
        self.jobs.try_send(job).map_err(|err| {
            self.in_flight.fetch_sub(1, Ordering::Relaxed);
            match err {
                TrySendError::Full(_) => {
                    metrics::counter!("portcullis_hashing_shed_total").increment(1);
                    HashError::Overloaded
                }
                TrySendError::Disconnected(_) => HashError::Failed("hashing pool stopped".into()),
            }
        })?;
        result
            .await
            .map_err(|_| HashError::Failed("hashing job dropped".into()))
    }
}

fn run_jobs(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

thread_local! {
    /// Each hashing thread reuses one argon2 memory buffer: no page faults for a
    /// fresh 19 MiB per hash, and peak memory stays at one buffer per thread.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// One synchronous argon2id hash with the given parameters, as a PHC string (also
/// used by the benchmark to measure the machine's raw hashing limit).
pub fn hash_blocking(argon2: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    let failed = |err: password_hash::Error| HashError::Failed(err.to_string());
    let salt = SaltString::generate(&mut password_hash::rand_core::OsRng);
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buffer)
        .map_err(failed)?;
    let params = argon2.params();
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(output_len, |out| compute(argon2, password, salt_bytes, out))
        .map_err(failed)?;
    let phc = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Recomputes the hash with the stored hash's own parameters and salt and compares
/// in constant time.
fn verify_blocking(phc: &str, password: &str, configured: &Params) -> Result<Verified, HashError> {
    let failed = |err: password_hash::Error| HashError::Failed(err.to_string());
    let parsed = PasswordHash::new(phc).map_err(failed)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(HashError::Failed("stored hash lacks salt or output".into()));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(failed)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|err| HashError::Failed(err.to_string()))?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(failed)?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buffer).map_err(failed)?;
    let computed = Output::init_with(expected.len(), |out| {
        compute(&argon2, password, salt_bytes, out)
    })
    .map_err(failed)?;
    Ok(Verified {
        matches: computed == expected,
        outdated: algorithm != Algorithm::Argon2id
            || params.m_cost() != configured.m_cost()
            || params.t_cost() != configured.t_cost()
            || params.p_cost() != configured.p_cost(),
    })
}

fn compute(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), password_hash::Error> {
    MEMORY.with_borrow_mut(|blocks| {
        blocks.resize(argon2.params().block_count(), Block::default());
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut blocks[..])
            .map_err(password_hash::Error::from)
    })
}

fn hex_random() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
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
    use crate::domain::values::PasswordPolicy;

    const CHEAP: Argon2Config = Argon2Config {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[tokio::test]
    async fn produces_verifiable_argon2id_phc_strings_with_fresh_salts() {
        use argon2::password_hash::PasswordVerifier;
        let hasher = PasswordHasher::new(CHEAP, 1, 1).unwrap();
        let password = Password::parse("correct horse", PasswordPolicy::LENIENT).unwrap();
        // The second hash reuses the thread's argon2 memory.
        let first = hasher.hash(&password).await.unwrap();
        let second = hasher.hash(&password).await.unwrap();
        assert_ne!(first, second);
        for phc in [&first, &second] {
            assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
            let parsed = PasswordHash::new(phc).unwrap();
            let verifier = argon2id(CHEAP).unwrap();
            assert!(verifier.verify_password(b"correct horse", &parsed).is_ok());
            assert!(verifier.verify_password(b"wrong horse", &parsed).is_err());
        }
    }

    #[tokio::test]
    async fn sheds_load_when_slots_and_queue_are_taken() {
        let hasher = PasswordHasher::new(CHEAP, 1, 1).unwrap();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let blocker: Job = Box::new(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        hasher.jobs.try_send(blocker).unwrap();
        started_rx.recv().unwrap();
        // The only slot is busy; the one queue place takes one more job.
        let (drained_tx, drained_rx) = std::sync::mpsc::channel();
        let filler: Job = Box::new(move || drained_tx.send(()).unwrap());
        hasher.jobs.try_send(filler).unwrap();

        let password = Password::parse("pw", PasswordPolicy::LENIENT).unwrap();
        assert!(matches!(
            hasher.hash(&password).await,
            Err(HashError::Overloaded)
        ));

        release_tx.send(()).unwrap();
        drained_rx.recv().unwrap();
        assert!(hasher.hash(&password).await.is_ok());
    }

    #[tokio::test]
    async fn verifies_and_flags_hashes_made_with_other_parameters() {
        let hasher = PasswordHasher::new(CHEAP, 1, 4).unwrap();
        let password = Password::parse("pw", PasswordPolicy::LENIENT).unwrap();
        let phc = hasher.hash(&password).await.unwrap();
        let current = Verified {
            matches: true,
            outdated: false,
        };
        assert_eq!(hasher.verify(&phc, "pw").await.unwrap(), current);
        assert!(!hasher.verify(&phc, "pW").await.unwrap().matches);

        let stronger = Argon2Config {
            memory_kib: 128,
            ..CHEAP
        };
        let upgraded = PasswordHasher::new(stronger, 1, 4).unwrap();
        let outdated = Verified {
            matches: true,
            outdated: true,
        };
        assert_eq!(upgraded.verify(&phc, "pw").await.unwrap(), outdated);
        assert!(hasher.verify_dummy("pw").await.is_ok());
    }
}
