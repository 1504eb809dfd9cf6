//! A bounded cache of bearer tokens whose signature has been checked, so a client
//! that presents the same token again costs a hash lookup instead of an Ed25519
//! verification. Only the signature check is cached: expiry and revocation are
//! checked on every use, and entries from before a key was retired are ignored.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// Beyond this many entries the cache starts over; only tokens with a valid
/// signature get in, so memory stays bounded whatever clients send.
const CAPACITY: usize = 50_000;

/// Token → (key generation it was verified under, what verification produced).
type Entries<T> = HashMap<Box<str>, (u64, Arc<T>)>;

pub struct VerifiedTokens<T> {
    entries: Mutex<Entries<T>>,
}

impl<T> Default for VerifiedTokens<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
        }
    }
}

impl<T> VerifiedTokens<T> {
    /// The cached value for `token`, if it was verified under key `generation`.
    pub fn get(&self, token: &str, generation: u64) -> Option<Arc<T>> {
        let entries = self.entries.lock().ok()?;
        let (cached_generation, value) = entries.get(token)?;
        (*cached_generation == generation).then(|| Arc::clone(value))
    }

    pub fn put(&self, token: &str, generation: u64, value: Arc<T>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(token.into(), (generation, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_from_another_key_generation_are_ignored() {
        let cache = VerifiedTokens::default();
        cache.put("a.b.c", 1, Arc::new(7));
        assert_eq!(cache.get("a.b.c", 1).as_deref(), Some(&7));
        assert_eq!(cache.get("a.b.c", 2), None);
        assert_eq!(cache.get("a.b.d", 1), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = VerifiedTokens::default();
        for n in 0..=CAPACITY {
            cache.put(&n.to_string(), 0, Arc::new(n));
        }
        let size = cache.entries.lock().map(|e| e.len()).unwrap();
        assert!(size <= CAPACITY, "{size}");
    }
}
