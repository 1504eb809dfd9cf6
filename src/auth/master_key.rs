//! Encryption of signing-key material at rest with the operator's master key
//! (`PORTCULLIS_MASTER_KEY`: 32 random bytes, base64). XChaCha20-Poly1305 with a
//! random nonce per value; the key id is bound as associated data, so a ciphertext
//! cannot be moved to another row.

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};

/// Stored values that start with this are encrypted; others are plain base64.
const PREFIX: &str = "xchacha20poly1305:";

#[derive(Clone)]
pub struct MasterKey(XChaCha20Poly1305);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MasterKeyError {
    #[error("master_key must be 32 bytes, base64-encoded")]
    Malformed,
    #[error("signing keys are encrypted at rest: set PORTCULLIS_MASTER_KEY")]
    Missing,
    #[error("a signing key could not be decrypted: wrong master key or damaged data")]
    Undecryptable,
}

impl MasterKey {
    pub fn parse(encoded: &str) -> Result<Self, MasterKeyError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| MasterKeyError::Malformed)?;
        let key =
            XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| MasterKeyError::Malformed)?;
        Ok(Self(key))
    }

    fn encrypt(&self, plaintext: &[u8], kid: &str) -> Result<String, MasterKeyError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext,
            aad: kid.as_bytes(),
        };
        let ciphertext = self
            .0
            .encrypt(&nonce, payload)
            .map_err(|_| MasterKeyError::Undecryptable)?;
        Ok(format!(
            "{PREFIX}{}:{}",
            STANDARD.encode(nonce),
            STANDARD.encode(ciphertext)
        ))
    }

    fn decrypt(&self, stored: &str, kid: &str) -> Result<Vec<u8>, MasterKeyError> {
        let (nonce, ciphertext) = stored
            .split_once(':')
            .ok_or(MasterKeyError::Undecryptable)?;
        let nonce = STANDARD
            .decode(nonce)
            .ok()
            .filter(|n| n.len() == 24)
            .ok_or(MasterKeyError::Undecryptable)?;
        let ciphertext = STANDARD
            .decode(ciphertext)
            .map_err(|_| MasterKeyError::Undecryptable)?;
        let payload = Payload {
            msg: &ciphertext,
            aad: kid.as_bytes(),
        };
        self.0
            .decrypt(XNonce::from_slice(&nonce), payload)
            .map_err(|_| MasterKeyError::Undecryptable)
    }
}

/// The stored form of a private key: encrypted when a master key is configured.
pub fn seal(master: Option<&MasterKey>, der: &[u8], kid: &str) -> Result<String, MasterKeyError> {
    match master {
        Some(master) => master.encrypt(der, kid),
        None => Ok(STANDARD.encode(der)),
    }
}

/// Whether a stored private key is encrypted.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The private key back from its stored form.
pub fn open(
    master: Option<&MasterKey>,
    stored: &str,
    kid: &str,
) -> Result<Vec<u8>, MasterKeyError> {
    match (stored.strip_prefix(PREFIX), master) {
        (Some(sealed), Some(master)) => master.decrypt(sealed, kid),
        (Some(_), None) => Err(MasterKeyError::Missing),
        (None, _) => STANDARD
            .decode(stored)
            .map_err(|_| MasterKeyError::Undecryptable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::parse(&STANDARD.encode([byte; 32])).unwrap()
    }

    #[test]
    fn sealed_keys_open_only_with_the_same_master_key_and_kid() {
        let master = key(1);
        let sealed = seal(Some(&master), b"secret der", "kid-1").unwrap();
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains(&STANDARD.encode(b"secret der")));
        assert_eq!(
            open(Some(&master), &sealed, "kid-1").unwrap(),
            b"secret der"
        );
        assert_eq!(
            open(Some(&key(2)), &sealed, "kid-1"),
            Err(MasterKeyError::Undecryptable)
        );
        assert_eq!(
            open(Some(&master), &sealed, "kid-2"),
            Err(MasterKeyError::Undecryptable)
        );
        assert_eq!(open(None, &sealed, "kid-1"), Err(MasterKeyError::Missing));
    }

    #[test]
    fn plain_keys_still_open_and_bad_master_keys_are_refused() {
        let plain = seal(None, b"der", "k").unwrap();
        assert_eq!(open(Some(&key(1)), &plain, "k").unwrap(), b"der");
        assert_eq!(
            MasterKey::parse("c2hvcnQ=").err(),
            Some(MasterKeyError::Malformed)
        );
    }
}
