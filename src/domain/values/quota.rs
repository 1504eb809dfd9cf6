//! A rate limit's quota, as the configuration, a tenant's policy and the
//! limiters name it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// At most `limit` requests per `window_secs`, refilled evenly (GCRA); a limit of
/// 0 switches the policy off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub limit: u32,
    pub window_secs: u32,
}

impl Quota {
    pub const fn new(limit: u32, window_secs: u32) -> Self {
        Self { limit, window_secs }
    }

    pub fn is_off(self) -> bool {
        self.limit == 0 || self.window_secs == 0
    }

    /// The time one request "costs": the window spread over the limit.
    pub fn emission_interval(self) -> Duration {
        Duration::from_secs(u64::from(self.window_secs)) / self.limit.max(1)
    }

    /// This instance's part of a limit shared by `instances` (at least 1).
    pub fn share(self, instances: u32) -> Self {
        Self {
            limit: self.limit.div_ceil(instances.max(1)).max(1),
            ..self
        }
    }
}
