//! Redis with a way out: while Redis cannot be reached the limiter follows
//! `fail_mode`, and a probe brings it back as soon as Redis answers again.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::Duration,
};

use super::{
    Decision, FailMode, Key, Quota, RateLimiter, Unavailable,
    memory::MemoryLimiter,
    redis::{RedisFailure, RedisLimiter},
};

/// Slow answers in a row that make the limiter give up on Redis; one can be a
/// hiccup of a loaded machine.
const TIMEOUTS_TO_FALL_BACK: u32 = 3;

/// How often a limiter that gave up on Redis asks it again.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Fallback {
    redis: RedisLimiter,
    /// Counts this instance's share of every limit while Redis is away.
    local: MemoryLimiter,
    mode: FailMode,
    instances: u32,
    redis_up: Arc<AtomicBool>,
    failures_in_a_row: Arc<AtomicU32>,
}

impl Fallback {
    pub fn new(redis: RedisLimiter, local: MemoryLimiter, mode: FailMode, instances: u32) -> Self {
        Self {
            redis,
            local,
            mode,
            instances,
            redis_up: Arc::new(AtomicBool::new(true)),
            failures_in_a_row: Arc::default(),
        }
    }

    pub fn local(&self) -> &MemoryLimiter {
        &self.local
    }

    pub fn using_redis(&self) -> bool {
        self.redis_up.load(Ordering::Relaxed)
    }

    /// Asks Redis now (readiness checks); a failure switches to the fallback.
    pub async fn probe(&self) -> bool {
        if self.using_redis()
            && let Err(err) = self.redis.probe().await
        {
            self.lost(&err);
        }
        self.using_redis()
    }

    /// A failed call: the request is decided by the fallback. A refused
    /// connection, or [`TIMEOUTS_TO_FALL_BACK`] slow answers in a row, switch to
    /// the fallback for good: logged once, with a probe that switches back.
    fn lost(&self, err: &RedisFailure) {
        metrics::counter!("portcullis_rate_limit_redis_failures_total").increment(1);
        let slow = matches!(err, RedisFailure::Timeout(_));
        let in_a_row = self.failures_in_a_row.fetch_add(1, Ordering::AcqRel) + 1;
        if slow && in_a_row < TIMEOUTS_TO_FALL_BACK {
            return;
        }
        if !self.redis_up.swap(false, Ordering::AcqRel) {
            return;
        }
        metrics::gauge!("portcullis_rate_limit_fallback").set(1.0);
        tracing::warn!(error = %err, fail_mode = ?self.mode, "rate limiter: redis unreachable, using the fallback");
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_INTERVAL).await;
                if this.redis.probe().await.is_ok() {
                    this.failures_in_a_row.store(0, Ordering::Release);
                    this.redis_up.store(true, Ordering::Release);
                    metrics::gauge!("portcullis_rate_limit_fallback").set(0.0);
                    tracing::info!("rate limiter: redis answers again, back to shared limits");
                    return;
                }
            }
        });
    }

    fn degraded<T>(
        &self,
        local: impl FnOnce(&MemoryLimiter) -> T,
        open: T,
    ) -> Result<T, Unavailable> {
        match self.mode {
            FailMode::Local => Ok(local(&self.local)),
            FailMode::Open => Ok(open),
            FailMode::Closed => Err(Unavailable),
        }
    }
}

impl RateLimiter for Fallback {
    async fn check(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        let checks = [(key.clone(), quota)];
        let mut decisions = self.check_all(&checks).await?;
        Ok(decisions.pop().unwrap_or(Decision::unlimited(quota)))
    }

    async fn check_all(&self, checks: &[(Key, Quota)]) -> Result<Vec<Decision>, Unavailable> {
        if self.using_redis() {
            match self.redis.check_all(checks).await {
                Ok(decisions) => {
                    self.failures_in_a_row.store(0, Ordering::Relaxed);
                    return Ok(decisions);
                }
                Err(err) => self.lost(&err),
            }
        }
        let shares: Vec<(Key, Quota)> = checks
            .iter()
            .map(|(key, quota)| (key.clone(), quota.share(self.instances)))
            .collect();
        let unlimited = checks
            .iter()
            .map(|(_, quota)| Decision::unlimited(*quota))
            .collect();
        self.degraded(|local| local.decide_all(&shares), unlimited)
    }

    async fn reserve(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        if self.using_redis() {
            match self.redis.check_all(&[(key.clone(), quota)]).await {
                Ok(decisions) => {
                    self.failures_in_a_row.store(0, Ordering::Relaxed);
                    return Ok(decisions
                        .first()
                        .copied()
                        .unwrap_or(Decision::unlimited(quota)));
                }
                Err(err) => self.lost(&err),
            }
        }
        let share = quota.share(self.instances);
        self.degraded(
            |local| local.reserve_one(key, share),
            Decision::unlimited(quota),
        )
    }

    async fn refund(&self, key: &Key, quota: Quota) -> Result<(), Unavailable> {
        if self.using_redis() {
            match self.redis.refund(key, quota).await {
                Ok(()) => return Ok(()),
                Err(err) => self.lost(&err),
            }
        }
        let share = quota.share(self.instances);
        self.degraded(|local| local.refund_one(key, share), ())
    }

    async fn lock_out(
        &self,
        lock: &Key,
        counter: &Key,
        duration: Duration,
    ) -> Result<(), Unavailable> {
        if self.using_redis() {
            match self.redis.lock_out(lock, counter, duration).await {
                Ok(()) => return Ok(()),
                Err(err) => self.lost(&err),
            }
        }
        self.degraded(|local| local.lock_out_for(lock, counter, duration), ())
    }

    async fn blocked(&self, key: &Key) -> Result<Option<Duration>, Unavailable> {
        if self.using_redis() {
            match self.redis.blocked(key).await {
                Ok(left) => return Ok(left),
                Err(err) => self.lost(&err),
            }
        }
        self.degraded(|local| local.blocked_for(key), None)
    }
}
