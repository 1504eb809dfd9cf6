//! The in-process backend: one governor keyed limiter per (policy, quota), on the
//! service's clock so tests can move time.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex, PoisonError, RwLock},
    time::Duration,
};

use governor::{
    clock::{Clock as _, Reference},
    middleware::StateInformationMiddleware,
    nanos::Nanos,
    state::keyed::DashMapStateStore,
};

use super::{Decision, Key, PolicyName, Quota, RateLimiter, Unavailable};
use crate::domain::values::Clock;

type Keyed = governor::RateLimiter<
    (String, String),
    DashMapStateStore<(String, String)>,
    GovernorClock,
    StateInformationMiddleware,
>;

/// One limiter per policy and quota: tenants may override a policy's quota.
type Limiters = HashMap<(PolicyName, Quota), Arc<Keyed>>;

/// Locks on more keys than this are dropped oldest-deadline-first, so a flood of
/// failed logins for made-up usernames cannot grow memory without bound.
const MAX_BLOCKS: usize = 100_000;

#[derive(Clone)]
pub struct MemoryLimiter {
    clock: GovernorClock,
    limiters: Arc<RwLock<Limiters>>,
    blocks: Arc<Mutex<HashMap<Key, Nanos>>>,
    reservations: Arc<Mutex<HashMap<Key, Reservation>>>,
}

/// The GCRA state of a key counted by reservations, kept apart from governor's,
/// which cannot give a request back. Times are nanoseconds on the service clock.
#[derive(Debug, Clone, Copy)]
struct Reservation {
    /// Theoretical arrival time of the next request.
    tat: u64,
    /// When a lockout ends, after which the key starts afresh.
    reset_at: Option<u64>,
}

impl Reservation {
    /// Whether the state still differs from a fresh key's at `now`.
    fn live(&self, now: u64) -> bool {
        self.tat > now && self.reset_at.is_none_or(|reset| now < reset)
    }
}

impl MemoryLimiter {
    pub fn new(clock: Clock) -> Self {
        Self {
            clock: GovernorClock(clock),
            limiters: Arc::default(),
            blocks: Arc::default(),
            reservations: Arc::default(),
        }
    }

    fn limiter(&self, policy: PolicyName, quota: Quota) -> Option<Arc<Keyed>> {
        if let Some(found) = self
            .limiters
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(policy, quota))
        {
            return Some(found.clone());
        }
        let burst = NonZeroU32::new(quota.limit)?;
        let governor_quota =
            governor::Quota::with_period(quota.emission_interval())?.allow_burst(burst);
        let mut limiters = self
            .limiters
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let limiter = limiters.entry((policy, quota)).or_insert_with(|| {
            Arc::new(
                governor::RateLimiter::dashmap_with_clock(governor_quota, self.clock.clone())
                    .with_middleware::<StateInformationMiddleware>(),
            )
        });
        Some(limiter.clone())
    }

    /// Counts one request; synchronous, as governor is.
    pub fn decide(&self, key: &Key, quota: Quota) -> Decision {
        let Some(limiter) = self.limiter(key.policy, quota) else {
            return Decision::unlimited(quota);
        };
        let interval = quota.emission_interval();
        let tolerance = interval * quota.limit.saturating_sub(1);
        match limiter.check_key(&(key.scope.clone(), key.subject.clone())) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                Decision {
                    allowed: true,
                    limit: quota.limit,
                    remaining,
                    reset_after: interval * (quota.limit - remaining),
                    retry_after: Duration::ZERO,
                }
            }
            Err(not_until) => {
                let retry_after = not_until.wait_time_from(self.clock.now());
                Decision {
                    allowed: false,
                    limit: quota.limit,
                    remaining: 0,
                    reset_after: retry_after + tolerance,
                    retry_after,
                }
            }
        }
    }

    /// Counts against each key in turn, up to the first refusal.
    pub fn decide_all(&self, checks: &[(Key, Quota)]) -> Vec<Decision> {
        let mut decisions = Vec::with_capacity(checks.len());
        for (key, quota) in checks {
            let decision = self.decide(key, *quota);
            decisions.push(decision);
            if !decision.allowed {
                break;
            }
        }
        decisions
    }

    /// Counts one request against `key` in a way [`Self::refund_one`] can undo
    /// (GCRA, as the Redis script does it).
    pub fn reserve_one(&self, key: &Key, quota: Quota) -> Decision {
        if quota.is_off() {
            return Decision::unlimited(quota);
        }
        let now = self.clock.now().as_u64();
        let interval = nanos(quota.emission_interval());
        let tolerance = interval.saturating_mul(u64::from(quota.limit.saturating_sub(1)));
        let mut reservations = self
            .reservations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if reservations.len() >= MAX_BLOCKS && !reservations.contains_key(key) {
            reservations.retain(|_, reservation| reservation.live(now));
        }
        let current = reservations.get(key).filter(|r| r.live(now)).copied();
        let tat = current.map_or(now, |r| r.tat.max(now));
        let earliest = tat.saturating_sub(tolerance);
        if now < earliest {
            return Decision {
                allowed: false,
                limit: quota.limit,
                remaining: 0,
                reset_after: Duration::from_nanos(tat - now),
                retry_after: Duration::from_nanos(earliest - now),
            };
        }
        let next = tat.saturating_add(interval);
        reservations.insert(
            key.clone(),
            Reservation {
                tat: next,
                reset_at: current.and_then(|r| r.reset_at),
            },
        );
        let room = (now + tolerance + interval).saturating_sub(next) / interval.max(1);
        Decision {
            allowed: true,
            limit: quota.limit,
            remaining: u32::try_from(room).unwrap_or(u32::MAX),
            reset_after: Duration::from_nanos(next - now),
            retry_after: Duration::ZERO,
        }
    }

    /// Gives back one reservation on `key`.
    pub fn refund_one(&self, key: &Key, quota: Quota) {
        let now = self.clock.now().as_u64();
        let mut reservations = self
            .reservations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(reservation) = reservations.get_mut(key) {
            reservation.tat = reservation
                .tat
                .saturating_sub(nanos(quota.emission_interval()));
            if !reservation.live(now) {
                reservations.remove(key);
            }
        }
    }

    /// Blocks `lock` for `duration`; `counter` starts afresh when it ends.
    pub fn lock_out_for(&self, lock: &Key, counter: &Key, duration: Duration) {
        self.block_for(lock, duration);
        let reset = self.clock.now().as_u64().saturating_add(nanos(duration));
        if let Some(reservation) = self
            .reservations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(counter)
        {
            reservation.reset_at = Some(reset);
        }
    }

    /// Forgets keys whose state equals a fresh one, and expired locks: what keeps
    /// memory bounded under a flood of distinct client IPs.
    /// A limiter left with no key goes too, so quotas a tenant no longer uses
    /// do not accumulate; but not one a request is about to count in (it holds
    /// a clone), or that count would land in a limiter nobody asks again.
    pub fn evict_idle(&self) {
        self.limiters
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, limiter| {
                limiter.retain_recent();
                limiter.shrink_to_fit();
                !limiter.is_empty() || Arc::strong_count(limiter) > 1
            });
        let now = self.clock.now();
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        blocks.retain(|_, until| *until > now);
        blocks.shrink_to_fit();
        let mut reservations = self
            .reservations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        reservations.retain(|_, reservation| reservation.live(now.as_u64()));
        reservations.shrink_to_fit();
    }

    /// Keys held for counting, over every policy.
    pub fn tracked_keys(&self) -> usize {
        self.limiters
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|limiter| limiter.len())
            .sum::<usize>()
            + self
                .reservations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
    }

    fn block_for(&self, key: &Key, duration: Duration) {
        let now = self.clock.now();
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        if blocks.len() >= MAX_BLOCKS {
            blocks.retain(|_, until| *until > now);
            if blocks.len() >= MAX_BLOCKS
                && let Some(first) = blocks.iter().min_by_key(|(_, until)| **until)
            {
                let first = first.0.clone();
                blocks.remove(&first);
            }
        }
        blocks.insert(key.clone(), now + Nanos::from(duration));
    }

    pub fn blocked_for(&self, key: &Key) -> Option<Duration> {
        let now = self.clock.now();
        let until = *self
            .blocks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)?;
        (until > now).then(|| until.duration_since(now).into())
    }
}

impl RateLimiter for MemoryLimiter {
    async fn check(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        Ok(self.decide(key, quota))
    }

    async fn check_all(&self, checks: &[(Key, Quota)]) -> Result<Vec<Decision>, Unavailable> {
        Ok(self.decide_all(checks))
    }

    async fn reserve(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        Ok(self.reserve_one(key, quota))
    }

    async fn refund(&self, key: &Key, quota: Quota) -> Result<(), Unavailable> {
        self.refund_one(key, quota);
        Ok(())
    }

    async fn lock_out(
        &self,
        lock: &Key,
        counter: &Key,
        duration: Duration,
    ) -> Result<(), Unavailable> {
        self.lock_out_for(lock, counter, duration);
        Ok(())
    }

    async fn blocked(&self, key: &Key) -> Result<Option<Duration>, Unavailable> {
        Ok(self.blocked_for(key))
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The service's [`Clock`] as governor sees it: nanoseconds since the epoch.
#[derive(Clone)]
struct GovernorClock(Clock);

impl governor::clock::Clock for GovernorClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let nanos = self.0.now().timestamp_nanos_opt().unwrap_or_default();
        Nanos::from(u64::try_from(nanos).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    fn key(subject: &str) -> Key {
        Key {
            policy: PolicyName::SignUpPerIp,
            scope: "app".to_owned(),
            subject: subject.to_owned(),
        }
    }

    #[test]
    fn n_pass_and_the_next_is_refused_until_the_window_refills() {
        let offset = Arc::new(AtomicI64::new(0));
        let limiter = MemoryLimiter::new(Clock::offset(offset.clone()));
        let quota = Quota::new(3, 60);
        let remaining: Vec<u32> = (0..3)
            .map(|_| limiter.decide(&key("a"), quota))
            .inspect(|d| assert!(d.allowed))
            .map(|d| d.remaining)
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.decide(&key("a"), quota);
        assert!(!refused.allowed);
        assert!(refused.retry_after > Duration::from_secs(15));
        assert!(refused.retry_after <= Duration::from_secs(20));
        assert!(
            limiter.decide(&key("b"), quota).allowed,
            "keys are separate"
        );

        offset.store(20, Ordering::Relaxed);
        assert!(limiter.decide(&key("a"), quota).allowed);
    }

    #[test]
    fn idle_keys_are_evicted() {
        let offset = Arc::new(AtomicI64::new(0));
        let limiter = MemoryLimiter::new(Clock::offset(offset.clone()));
        for ip in 0..1000 {
            limiter.decide(
                &key(&format!("10.0.{}.{}", ip / 256, ip % 256)),
                Quota::new(5, 60),
            );
        }
        assert_eq!(limiter.tracked_keys(), 1000);
        limiter.evict_idle();
        assert_eq!(limiter.tracked_keys(), 1000, "recent keys are kept");
        offset.store(61, Ordering::Relaxed);
        limiter.evict_idle();
        assert_eq!(limiter.tracked_keys(), 0);
        assert!(limiter.limiters.read().unwrap().is_empty());
    }

    #[test]
    fn reservations_are_given_back_and_start_afresh_after_a_lockout() {
        let offset = Arc::new(AtomicI64::new(0));
        let limiter = MemoryLimiter::new(Clock::offset(offset.clone()));
        let quota = Quota::new(2, 60);
        let first = limiter.reserve_one(&key("alice"), quota);
        assert_eq!((first.allowed, first.remaining), (true, 1));
        limiter.refund_one(&key("alice"), quota);
        let again = limiter.reserve_one(&key("alice"), quota);
        assert_eq!((again.allowed, again.remaining), (true, 1), "refunded");
        assert!(limiter.reserve_one(&key("alice"), quota).allowed);
        assert!(!limiter.reserve_one(&key("alice"), quota).allowed);
        assert_eq!(limiter.tracked_keys(), 1);

        limiter.lock_out_for(&key("lock"), &key("alice"), Duration::from_secs(5));
        assert!(limiter.blocked_for(&key("lock")).is_some());
        assert!(!limiter.reserve_one(&key("alice"), quota).allowed);
        offset.store(5, Ordering::Relaxed);
        assert!(limiter.blocked_for(&key("lock")).is_none());
        let fresh = limiter.reserve_one(&key("alice"), quota);
        assert_eq!((fresh.allowed, fresh.remaining), (true, 1));
        limiter.evict_idle();
        assert_eq!(limiter.tracked_keys(), 1);
        offset.store(3600, Ordering::Relaxed);
        limiter.evict_idle();
        assert_eq!(limiter.tracked_keys(), 0);
    }

    #[test]
    fn eviction_spares_a_limiter_a_request_is_counting_in() {
        let limiter = MemoryLimiter::new(Clock::system());
        let quota = Quota::new(1, 60);
        // What `decide` holds between finding the limiter and counting in it.
        let held = limiter.limiter(PolicyName::SignUpPerIp, quota).unwrap();
        limiter.evict_idle();
        assert!(held.check_key(&("app".to_owned(), "a".to_owned())).is_ok());
        drop(held);
        assert!(
            !limiter.decide(&key("a"), quota).allowed,
            "the first request was counted"
        );
    }

    #[test]
    fn blocks_expire() {
        let offset = Arc::new(AtomicI64::new(0));
        let limiter = MemoryLimiter::new(Clock::offset(offset.clone()));
        limiter.block_for(&key("alice"), Duration::from_secs(900));
        assert!(limiter.blocked_for(&key("alice")).is_some());
        assert!(limiter.blocked_for(&key("bob")).is_none());
        offset.store(901, Ordering::Relaxed);
        assert!(limiter.blocked_for(&key("alice")).is_none());
    }
}
