//! Rate limiting: the [`RateLimiter`] trait, its `memory` (governor), `redis` (GCRA
//! in one Lua script) and `layered` backends, the Redis fallback, and the named
//! policies the surfaces apply.

mod backend;
mod fallback;
mod layered;
mod memory;
mod policies;
mod redis;
mod settings;
pub mod trusted_proxies;

use std::{future::Future, time::Duration};

pub use backend::{Limiter, LimiterState};
pub use memory::MemoryLimiter;
pub use policies::{LoginAttempt, PolicyName, RateLimits, Refusal, Verdict};
pub use settings::{BackendKind, FailMode, RateLimitConfig, RateLimitPolicies};

pub use crate::domain::values::Quota;

/// What a limiter decided for one request, with what the `RateLimit-*` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    /// Requests that would still pass now.
    pub remaining: u32,
    /// Until the full limit is available again.
    pub reset_after: Duration,
    /// Until the next request can pass (zero when allowed).
    pub retry_after: Duration,
}

impl Decision {
    /// The answer when no limit applies or the limiter fails open.
    pub fn unlimited(quota: Quota) -> Self {
        Self {
            allowed: true,
            limit: quota.limit,
            remaining: quota.limit,
            reset_after: Duration::ZERO,
            retry_after: Duration::ZERO,
        }
    }

    /// Of two decisions for one request, the one its client should hear about: a
    /// refusal, or else the one with the least room left.
    pub fn tighter(self, other: Self) -> Self {
        match (self.allowed, other.allowed) {
            (false, true) => self,
            (true, false) => other,
            _ if other.remaining < self.remaining => other,
            _ => self,
        }
    }
}

/// What a limit is counted against: a policy, a scope and a subject such as a
/// client IP. The scope is the tenant's client_id, or the client address for
/// policies across tenants; it is the Redis Cluster hash tag, so the keys one
/// request checks together share a slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub policy: PolicyName,
    pub scope: String,
    pub subject: String,
}

/// Redis cannot be asked and `fail_mode = "closed"`: the request must be refused.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the rate limiter is unavailable")]
pub struct Unavailable;

/// A rate limiter backend.
pub trait RateLimiter: Send + Sync {
    /// Counts one request against `key` and decides whether it may pass.
    fn check(
        &self,
        key: &Key,
        quota: Quota,
    ) -> impl Future<Output = Result<Decision, Unavailable>> + Send;

    /// Counts one request against several keys of one scope, for a request that
    /// several policies govern; stops at the first refusal, which comes last. The
    /// Redis backend decides all in one atomic round trip and counts nothing
    /// unless every key lets the request pass.
    fn check_all(
        &self,
        checks: &[(Key, Quota)],
    ) -> impl Future<Output = Result<Vec<Decision>, Unavailable>> + Send;

    /// Counts one request against `key` as [`RateLimiter::check`] does, in a way
    /// [`RateLimiter::refund`] can undo: a reservation taken before its outcome
    /// is known (a password guess, before the hash says whether it was right).
    fn reserve(
        &self,
        key: &Key,
        quota: Quota,
    ) -> impl Future<Output = Result<Decision, Unavailable>> + Send;

    /// Gives back one reservation on `key`.
    fn refund(
        &self,
        key: &Key,
        quota: Quota,
    ) -> impl Future<Output = Result<(), Unavailable>> + Send;

    /// Refuses `lock` outright for `duration` (account lockout), and starts the
    /// reservations on `counter` afresh when the lock ends.
    fn lock_out(
        &self,
        lock: &Key,
        counter: &Key,
        duration: Duration,
    ) -> impl Future<Output = Result<(), Unavailable>> + Send;

    /// How much longer `key` is blocked, if it is.
    fn blocked(
        &self,
        key: &Key,
    ) -> impl Future<Output = Result<Option<Duration>, Unavailable>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_up_and_never_reach_zero() {
        assert_eq!(Quota::new(10, 60).share(3).limit, 4);
        assert_eq!(Quota::new(1, 60).share(4).limit, 1);
        assert_eq!(Quota::new(10, 60).share(0).limit, 10);
    }

    #[test]
    fn the_tighter_decision_is_the_refusal_or_the_one_with_less_room() {
        let room = |allowed, remaining| Decision {
            allowed,
            limit: 10,
            remaining,
            reset_after: Duration::ZERO,
            retry_after: Duration::ZERO,
        };
        assert_eq!(room(true, 5).tighter(room(true, 2)), room(true, 2));
        assert_eq!(room(true, 0).tighter(room(false, 0)), room(false, 0));
        assert_eq!(room(false, 0).tighter(room(true, 9)), room(false, 0));
    }
}
