//! governor in front of Redis: a key that this instance alone has already seen
//! over its limit is refused without a round trip; Redis keeps the global count.

use std::time::Duration;

use super::{
    Decision, Key, Quota, RateLimiter, Unavailable, fallback::Fallback, memory::MemoryLimiter,
};

#[derive(Clone)]
pub struct Layered {
    pub front: MemoryLimiter,
    pub shared: Fallback,
}

impl RateLimiter for Layered {
    async fn check(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        // The front counts with the full limit: it refuses only a key this
        // instance alone has seen over it (counting attempts Redis refused).
        let front = self.front.decide(key, quota);
        if !front.allowed {
            return Ok(front);
        }
        self.shared.check(key, quota).await
    }

    async fn check_all(&self, checks: &[(Key, Quota)]) -> Result<Vec<Decision>, Unavailable> {
        let front = self.front.decide_all(checks);
        if front.iter().any(|decision| !decision.allowed) {
            return Ok(front);
        }
        self.shared.check_all(checks).await
    }

    /// Reservations are counted where every instance sees them, never in front.
    async fn reserve(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        self.shared.reserve(key, quota).await
    }

    async fn refund(&self, key: &Key, quota: Quota) -> Result<(), Unavailable> {
        self.shared.refund(key, quota).await
    }

    async fn lock_out(
        &self,
        lock: &Key,
        counter: &Key,
        duration: Duration,
    ) -> Result<(), Unavailable> {
        self.front.lock_out_for(lock, counter, duration);
        self.shared.lock_out(lock, counter, duration).await
    }

    async fn blocked(&self, key: &Key) -> Result<Option<Duration>, Unavailable> {
        match self.front.blocked_for(key) {
            Some(left) => Ok(Some(left)),
            None => self.shared.blocked(key).await,
        }
    }
}
