//! Ed25519 signing keys for access tokens: kept in the database, loaded into a key
//! ring, the newest active key signs and every active key verifies.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use ed25519_dalek::{
    SigningKey, VerifyingKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey},
};
use rand::RngCore;
use sea_orm::{DatabaseConnection, DbErr};

use super::master_key::{self, MasterKey, MasterKeyError};
use crate::store;

/// Unknown `kid`s trigger a reload at most this often (another instance may have
/// rotated), so forged kids cannot hammer the database.
const RELOAD_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("signing key storage: {0}")]
    Db(#[from] DbErr),
    #[error("signing key material: {0}")]
    Material(String),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
}

/// A public key as published in the JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    /// Base64url of the raw Ed25519 public key.
    pub x: String,
}

/// The key that signs new tokens, decoded once at load.
pub struct Signer {
    pub kid: String,
    pub key: SigningKey,
}

struct Loaded {
    signing: Arc<Signer>,
    verifying: HashMap<String, VerifyingKey>,
    public: Vec<PublicKey>,
    loaded_at: Instant,
}

#[derive(Clone)]
pub struct KeyRing {
    db: DatabaseConnection,
    master: Option<MasterKey>,
    loaded: Arc<RwLock<Loaded>>,
    /// Bumped whenever a reload drops a verification key, so caches of verified
    /// tokens know to verify again.
    generation: Arc<AtomicU64>,
    /// Held by the one reload that an unknown kid triggers at a time.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl KeyRing {
    /// Loads the active keys, creating the first one when there is none.
    pub async fn load(
        db: DatabaseConnection,
        master: Option<MasterKey>,
        now: DateTime<Utc>,
    ) -> Result<Self, KeyError> {
        if let Some(master) = &master {
            seal_plain_keys(&db, master).await?;
        }
        if store::signing_keys::active(&db).await?.is_empty() {
            add_key(&db, master.as_ref(), now).await?;
        }
        let loaded = read_keys(&db, master.as_ref()).await?;
        Ok(Self {
            db,
            master,
            loaded: Arc::new(RwLock::new(loaded)),
            generation: Arc::default(),
            reloading: Arc::default(),
        })
    }

    /// The master key that seals private keys at rest, if configured.
    pub fn master(&self) -> Option<&MasterKey> {
        self.master.as_ref()
    }

    /// The key id and key that sign new tokens.
    pub fn signer(&self) -> Result<Arc<Signer>, KeyError> {
        Ok(Arc::clone(&self.read()?.signing))
    }

    /// Changes whenever a key that verified before no longer does.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The verification key for `kid`, reloading once if it is unknown here.
    pub async fn verifying_key(&self, kid: &str) -> Result<Option<VerifyingKey>, KeyError> {
        let stale = {
            let loaded = self.read()?;
            if let Some(key) = loaded.verifying.get(kid) {
                return Ok(Some(*key));
            }
            loaded.loaded_at.elapsed() >= RELOAD_INTERVAL
        };
        // One reload at a time. A request that finds one under way (perhaps
        // for the very rotation that made its kid) waits for it and looks
        // again, but starts none of its own.
        let Ok(_reloading) = self.reloading.try_lock() else {
            drop(self.reloading.lock().await);
            return Ok(self.read()?.verifying.get(kid).cloned());
        };
        if !stale || self.read()?.loaded_at.elapsed() < RELOAD_INTERVAL {
            return Ok(None);
        }
        self.reload_holding_the_lock().await?;
        Ok(self.read()?.verifying.get(kid).cloned())
    }

    /// Every active public key, for `/.well-known/jwks.json`.
    pub fn public_keys(&self) -> Result<Vec<PublicKey>, KeyError> {
        Ok(self.read()?.public.clone())
    }

    /// Reads the keys again. Reloads take turns, so a slow one cannot put back
    /// what a later one (after a retirement) removed.
    pub async fn reload(&self) -> Result<(), KeyError> {
        let _reloading = self.reloading.lock().await;
        self.reload_holding_the_lock().await
    }

    async fn reload_holding_the_lock(&self) -> Result<(), KeyError> {
        let fresh = read_keys(&self.db, self.master.as_ref()).await?;
        let mut loaded = self
            .loaded
            .write()
            .map_err(|_| KeyError::Material("key ring lock poisoned".into()))?;
        let dropped = loaded
            .verifying
            .keys()
            .any(|kid| !fresh.verifying.contains_key(kid));
        *loaded = fresh;
        if dropped {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, Loaded>, KeyError> {
        self.loaded
            .read()
            .map_err(|_| KeyError::Material("key ring lock poisoned".into()))
    }
}

/// Generates and stores a new key, which becomes the signing key; returns its kid.
pub async fn add_key(
    db: &DatabaseConnection,
    master: Option<&MasterKey>,
    now: DateTime<Utc>,
) -> Result<String, KeyError> {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let der = key
        .to_pkcs8_der()
        .map_err(|err| KeyError::Material(err.to_string()))?;
    let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
    let kid = format!(
        "{}-{}",
        now.format("%Y%m%d"),
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    );
    let sealed = master_key::seal(master, der.as_bytes(), &kid)?;
    store::signing_keys::insert(db, &kid, &sealed, &x, now).await?;
    Ok(kid)
}

/// Encrypts keys stored before a master key was configured.
async fn seal_plain_keys(db: &DatabaseConnection, master: &MasterKey) -> Result<(), KeyError> {
    for row in store::signing_keys::all(db).await? {
        if master_key::is_sealed(&row.private_key) {
            continue;
        }
        let der = master_key::open(None, &row.private_key, &row.kid)?;
        let sealed = master_key::seal(Some(master), &der, &row.kid)?;
        store::signing_keys::set_private_key(db, row.id, &sealed).await?;
        tracing::info!(kid = %row.kid, "signing key sealed with the master key");
    }
    Ok(())
}

async fn read_keys(
    db: &DatabaseConnection,
    master: Option<&MasterKey>,
) -> Result<Loaded, KeyError> {
    let rows = store::signing_keys::active(db).await?;
    let newest = rows
        .last()
        .ok_or_else(|| KeyError::Material("no active signing key".into()))?;
    let der = master_key::open(master, &newest.private_key, &newest.kid)?;
    let signing = Arc::new(Signer {
        kid: newest.kid.clone(),
        key: SigningKey::from_pkcs8_der(&der).map_err(|err| KeyError::Material(err.to_string()))?,
    });
    let mut verifying = HashMap::new();
    let mut public = Vec::new();
    for row in &rows {
        verifying.insert(row.kid.clone(), decode_public_key(&row.public_key)?);
        public.push(PublicKey {
            kid: row.kid.clone(),
            x: row.public_key.clone(),
        });
    }
    Ok(Loaded {
        signing,
        verifying,
        public,
        loaded_at: Instant::now(),
    })
}

/// A stored public key: base64url of the raw 32 bytes.
fn decode_public_key(x: &str) -> Result<VerifyingKey, KeyError> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(x)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| KeyError::Material("a stored public key is not 32 bytes".into()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|err| KeyError::Material(err.to_string()))
}
