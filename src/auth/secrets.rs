//! Client secrets: 256 random bits shown once; only their SHA-256 is stored.

use rand::RngCore;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

/// A fresh secret and the hash to store for it.
pub fn generate_client_secret() -> (SecretString, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let hash = hash_secret(&secret);
    (SecretString::from(secret), hash)
}

/// Hex SHA-256: secrets have full entropy, so a slow hash adds nothing.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn secrets_are_random_and_hash_to_what_is_stored() {
        let (a, hash_a) = generate_client_secret();
        let (b, _) = generate_client_secret();
        assert_eq!(a.expose_secret().len(), 64);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(hash_secret(a.expose_secret()), hash_a);
    }
}
