//! A tenant's public OAuth2 client identifier: 32 lowercase base32 characters.

use std::fmt;

use rand::Rng;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a client_id is 32 characters of a-z and 2-7")]
pub struct MalformedClientId;

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, MalformedClientId> {
        if raw.len() == LEN && raw.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(MalformedClientId)
        }
    }

    /// A fresh random identifier (160 bits).
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let id = (0..LEN)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_differ() {
        let a = ClientId::generate();
        assert_eq!(ClientId::parse(a.as_str()), Ok(a.clone()));
        assert_ne!(a, ClientId::generate());
    }

    #[test]
    fn rejects_wrong_length_and_alphabet() {
        assert!(ClientId::parse("abc").is_err());
        assert!(ClientId::parse(&"A".repeat(32)).is_err());
        assert!(ClientId::parse(&"1".repeat(32)).is_err());
    }
}
