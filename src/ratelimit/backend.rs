//! The backend chosen by configuration, behind one type.

use std::time::Duration;

use super::RateLimitConfig;
use super::{
    BackendKind, Decision, Key, Quota, RateLimiter, Unavailable, fallback::Fallback,
    layered::Layered, memory::MemoryLimiter, redis::RedisLimiter,
};
use crate::domain::values::Clock;

#[derive(Clone)]
pub enum Limiter {
    Memory(MemoryLimiter),
    Redis(Fallback),
    Layered(Layered),
}

/// Where decisions are made right now, for `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimiterState {
    /// Rate limiting is switched off (`rate_limit.enabled = false`).
    Disabled,
    /// In process (the memory backend).
    Local,
    /// On Redis, shared by every instance.
    Shared,
    /// Redis is unreachable; `fail_mode` applies.
    Fallback,
}

impl LimiterState {
    pub fn as_str(self) -> &'static str {
        match self {
            LimiterState::Disabled => "disabled",
            LimiterState::Local => "local",
            LimiterState::Shared => "redis",
            LimiterState::Fallback => "fallback",
        }
    }
}

impl Limiter {
    /// Builds the configured backend; Redis is not contacted until the first request.
    pub fn from_config(
        config: &RateLimitConfig,
        redis_url: &str,
        clock: Clock,
    ) -> Result<Self, redis::RedisError> {
        let shared = || -> Result<Fallback, redis::RedisError> {
            let redis = RedisLimiter::new(
                redis_url,
                config.redis_cluster,
                &config.redis_namespace,
                Duration::from_millis(config.redis_timeout_ms),
            )?;
            Ok(Fallback::new(
                redis,
                MemoryLimiter::new(clock.clone()),
                config.fail_mode,
                config.instances,
            ))
        };
        Ok(match config.backend {
            BackendKind::Memory => Limiter::Memory(MemoryLimiter::new(clock.clone())),
            BackendKind::Redis => Limiter::Redis(shared()?),
            BackendKind::Layered => Limiter::Layered(Layered {
                front: MemoryLimiter::new(clock.clone()),
                shared: shared()?,
            }),
        })
    }

    /// Drops idle in-process state and reports how many keys remain; called
    /// periodically.
    pub fn evict_idle(&self) {
        let in_process: Vec<&MemoryLimiter> = match self {
            Limiter::Memory(memory) => vec![memory],
            Limiter::Redis(fallback) => vec![fallback.local()],
            Limiter::Layered(layered) => vec![&layered.front, layered.shared.local()],
        };
        let mut kept = 0;
        for memory in in_process {
            memory.evict_idle();
            kept += memory.tracked_keys();
        }
        metrics::gauge!("portcullis_rate_limit_tracked_keys").set(kept as f64);
    }

    /// Asks Redis when it is in use, so a readiness probe sees an outage at once.
    pub async fn state(&self) -> LimiterState {
        let shared = match self {
            Limiter::Memory(_) => return LimiterState::Local,
            Limiter::Redis(fallback) => fallback,
            Limiter::Layered(layered) => &layered.shared,
        };
        if shared.probe().await {
            LimiterState::Shared
        } else {
            LimiterState::Fallback
        }
    }
}

impl RateLimiter for Limiter {
    async fn check(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        match self {
            Limiter::Memory(limiter) => limiter.check(key, quota).await,
            Limiter::Redis(limiter) => limiter.check(key, quota).await,
            Limiter::Layered(limiter) => limiter.check(key, quota).await,
        }
    }

    async fn check_all(&self, checks: &[(Key, Quota)]) -> Result<Vec<Decision>, Unavailable> {
        match self {
            Limiter::Memory(limiter) => limiter.check_all(checks).await,
            Limiter::Redis(limiter) => limiter.check_all(checks).await,
            Limiter::Layered(limiter) => limiter.check_all(checks).await,
        }
    }

    async fn reserve(&self, key: &Key, quota: Quota) -> Result<Decision, Unavailable> {
        match self {
            Limiter::Memory(limiter) => limiter.reserve(key, quota).await,
            Limiter::Redis(limiter) => limiter.reserve(key, quota).await,
            Limiter::Layered(limiter) => limiter.reserve(key, quota).await,
        }
    }

    async fn refund(&self, key: &Key, quota: Quota) -> Result<(), Unavailable> {
        match self {
            Limiter::Memory(limiter) => limiter.refund(key, quota).await,
            Limiter::Redis(limiter) => limiter.refund(key, quota).await,
            Limiter::Layered(limiter) => limiter.refund(key, quota).await,
        }
    }

    async fn lock_out(
        &self,
        lock: &Key,
        counter: &Key,
        duration: Duration,
    ) -> Result<(), Unavailable> {
        match self {
            Limiter::Memory(limiter) => limiter.lock_out(lock, counter, duration).await,
            Limiter::Redis(limiter) => limiter.lock_out(lock, counter, duration).await,
            Limiter::Layered(limiter) => limiter.lock_out(lock, counter, duration).await,
        }
    }

    async fn blocked(&self, key: &Key) -> Result<Option<Duration>, Unavailable> {
        match self {
            Limiter::Memory(limiter) => limiter.blocked(key).await,
            Limiter::Redis(limiter) => limiter.blocked(key).await,
            Limiter::Layered(limiter) => limiter.blocked(key).await,
        }
    }
}
