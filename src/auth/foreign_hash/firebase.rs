//! Firebase Authentication's modified scrypt (github.com/firebase/scrypt).
//!
//! Firebase exports each user's hash and salt, but the rest of what verification
//! needs is one per project (`hash_config`). Since an imported hash must stand alone,
//! [`firebase_hash`] folds both into one string of ours:
//!
//! `$firebase-scrypt$v=1$r=<rounds>,m=<mem_cost>$<salt separator>$<signer key>$<user salt>$<hash>`
//!
//! with the four binary fields in standard padded base64, as Firebase gives them. To
//! verify: key = scrypt(password, user salt ‖ salt separator, N = 2^mem_cost, r = rounds,
//! p = 1, 32 bytes); the hash must equal AES-256-CTR(key, zero IV) applied to the
//! signer key.

use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{FormatError, check_scrypt_cost};

const PREFIX: &str = "$firebase-scrypt$v=1$";
const MAX_SIGNER_KEY_LEN: usize = 256;

/// A Firebase project's password hash parameters, as the console shows `hash_config`
/// (Firebase's `base64_`-prefixed names are accepted too).
#[derive(Clone, Deserialize)]
pub struct FirebaseConfig {
    #[serde(alias = "base64_signer_key")]
    pub signer_key: String,
    #[serde(alias = "base64_salt_separator")]
    pub salt_separator: String,
    pub rounds: u32,
    pub mem_cost: u32,
}

impl fmt::Debug for FirebaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FirebaseConfig")
            .field("signer_key", &"[redacted]")
            .field("salt_separator", &self.salt_separator)
            .field("rounds", &self.rounds)
            .field("mem_cost", &self.mem_cost)
            .finish()
    }
}

/// Builds the `$firebase-scrypt$` string for one exported user from the project's
/// config and the user's base64 salt and hash, checking everything verification needs.
pub fn firebase_hash(
    config: &FirebaseConfig,
    salt_b64: &str,
    hash_b64: &str,
) -> Result<String, FormatError> {
    let hash = FirebaseHash {
        rounds: config.rounds,
        mem_cost: mem_cost(config.mem_cost)?,
        salt_separator: decode(&config.salt_separator, "the salt separator is not base64")?,
        signer_key: decode(&config.signer_key, "the signer key is not base64")?,
        salt: decode(salt_b64, "the user's salt is not base64")?,
        hash: decode(hash_b64, "the user's hash is not base64")?,
    };
    hash.check()?;
    let encoded = hash.encode();
    // What sign-in will read back: refused here if it could not be.
    super::recognise(&encoded)?;
    Ok(encoded)
}

/// A checked Firebase hash with its project parameters.
pub(super) struct FirebaseHash {
    rounds: u32,
    mem_cost: u8,
    salt_separator: Vec<u8>,
    signer_key: Vec<u8>,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

pub(super) fn parse(text: &str) -> Result<FirebaseHash, FormatError> {
    let rest = text.strip_prefix(PREFIX).ok_or(FormatError::Malformed(
        "firebase-scrypt must start with v=1",
    ))?;
    let fields: Vec<&str> = rest.split('$').collect();
    let [params, separator, signer_key, salt, hash] = fields[..] else {
        return Err(FormatError::Malformed(
            "firebase-scrypt needs params, separator, key, salt and hash",
        ));
    };
    let bad_params =
        FormatError::Malformed("firebase-scrypt parameters must be r=<rounds>,m=<mem_cost>");
    let (rounds, log_n): (u32, u32) = params
        .strip_prefix("r=")
        .and_then(|p| p.split_once(",m="))
        .and_then(|(r, m)| Some((r.parse().ok()?, m.parse().ok()?)))
        .ok_or(bad_params)?;
    let parsed = FirebaseHash {
        rounds,
        mem_cost: mem_cost(log_n)?,
        salt_separator: decode(separator, "the salt separator is not base64")?,
        signer_key: decode(signer_key, "the signer key is not base64")?,
        salt: decode(salt, "the user's salt is not base64")?,
        hash: decode(hash, "the user's hash is not base64")?,
    };
    parsed.check()?;
    Ok(parsed)
}

impl FirebaseHash {
    fn check(&self) -> Result<(), FormatError> {
        if self.rounds == 0 || self.mem_cost == 0 {
            return Err(FormatError::Malformed(
                "firebase rounds and mem_cost must be at least 1",
            ));
        }
        check_scrypt_cost(self.mem_cost, self.rounds, 1)?;
        self.params()?;
        if self.signer_key.is_empty() || self.signer_key.len() > MAX_SIGNER_KEY_LEN {
            return Err(FormatError::Malformed(
                "the signer key must be 1 to 256 bytes",
            ));
        }
        if self.salt.is_empty() {
            return Err(FormatError::Malformed("the user's salt is empty"));
        }
        if self.hash.len() != self.signer_key.len() {
            return Err(FormatError::Malformed(
                "the user's hash is not as long as the signer key",
            ));
        }
        Ok(())
    }

    /// scrypt also requires N < 2^(16·r).
    fn params(&self) -> Result<scrypt::Params, FormatError> {
        scrypt::Params::new(self.mem_cost, self.rounds, 1, 32)
            .map_err(|_| FormatError::Malformed("invalid firebase scrypt parameters"))
    }

    pub(super) fn verify(&self, password: &str) -> Result<bool, FormatError> {
        let invalid = FormatError::Malformed("invalid firebase scrypt parameters");
        let params = self.params()?;
        let salt = [self.salt.as_slice(), &self.salt_separator].concat();
        let mut key = [0u8; 32];
        scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key)
            .map_err(|_| invalid.clone())?;
        let mut encrypted = self.signer_key.clone();
        Ctr128BE::<Aes256>::new_from_slices(&key, &[0u8; 16])
            .map_err(|_| invalid)?
            .apply_keystream(&mut encrypted);
        Ok(encrypted.ct_eq(&self.hash).into())
    }

    fn encode(&self) -> String {
        format!(
            "{PREFIX}r={},m={}${}${}${}${}",
            self.rounds,
            self.mem_cost,
            STANDARD.encode(&self.salt_separator),
            STANDARD.encode(&self.signer_key),
            STANDARD.encode(&self.salt),
            STANDARD.encode(&self.hash),
        )
    }
}

fn mem_cost(mem_cost: u32) -> Result<u8, FormatError> {
    u8::try_from(mem_cost).map_err(|_| FormatError::TooCostly("scrypt log2(N) above 17"))
}

fn decode(text: &str, reason: &'static str) -> Result<Vec<u8>, FormatError> {
    STANDARD
        .decode(text)
        .map_err(|_| FormatError::Malformed(reason))
}
