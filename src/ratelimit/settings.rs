//! The `rate_limit` section of the configuration.

use serde::{Deserialize, Serialize};

use super::{PolicyName, Quota};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Off switch for every policy.
    pub enabled: bool,
    /// `memory`, `redis` or `layered`.
    pub backend: BackendKind,
    /// Forces the Redis Cluster client for a single `redis_url`.
    pub redis_cluster: bool,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    pub redis_namespace: String,
    /// How long a Redis call may take before the fallback takes over.
    pub redis_timeout_ms: u64,
    /// While Redis is unreachable: `local`, `open` or `closed`.
    pub fail_mode: FailMode,
    /// Instances sharing the limits; under the `local` fallback each enforces
    /// its share (limit / instances, rounded up).
    pub instances: u32,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges, as
    /// a list or (handy in an environment variable) one comma-separated string.
    #[serde(deserialize_with = "list_or_commas")]
    pub trusted_proxies: Vec<String>,
    pub policies: RateLimitPolicies,
}

/// The default quota of every policy; a tenant's policy can override each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitPolicies {
    pub sign_up_per_ip: Quota,
    pub sign_up_per_tenant: Quota,
    pub create_per_subject: Quota,
    pub token_per_client: Quota,
    pub token_per_ip: Quota,
    pub login_failures: Quota,
    /// How long a username stays locked once `login_failures` is used up.
    pub login_lockout_secs: u32,
    pub docs_per_ip: Quota,
}

impl RateLimitPolicies {
    pub fn quota(&self, policy: PolicyName) -> Quota {
        match policy {
            PolicyName::SignUpPerIp => self.sign_up_per_ip,
            PolicyName::SignUpPerTenant => self.sign_up_per_tenant,
            PolicyName::CreatePerSubject => self.create_per_subject,
            PolicyName::TokenPerClient => self.token_per_client,
            PolicyName::TokenPerIp => self.token_per_ip,
            PolicyName::DocsPerIp => self.docs_per_ip,
            // The lock itself has no quota: it lasts `login_lockout_secs`.
            PolicyName::LoginFailures | PolicyName::LoginLockout => self.login_failures,
        }
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            backend: BackendKind::Memory,
            redis_cluster: false,
            redis_namespace: "portcullis".to_owned(),
            redis_timeout_ms: 50,
            fail_mode: FailMode::Local,
            instances: 1,
            trusted_proxies: Vec::new(),
            policies: RateLimitPolicies::default(),
        }
    }
}

impl Default for RateLimitPolicies {
    /// Enough for a small public app's real users, little for a script.
    fn default() -> Self {
        Self {
            sign_up_per_ip: Quota::new(30, 60),
            sign_up_per_tenant: Quota::new(600, 60),
            create_per_subject: Quota::new(600, 60),
            token_per_client: Quota::new(6000, 60),
            token_per_ip: Quota::new(300, 60),
            login_failures: Quota::new(5, 900),
            login_lockout_secs: 900,
            docs_per_ip: Quota::new(60, 60),
        }
    }
}

/// A list of strings, or one string of comma-separated items.
fn list_or_commas<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCommas {
        List(Vec<String>),
        Commas(String),
    }
    Ok(match ListOrCommas::deserialize(deserializer)? {
        ListOrCommas::List(items) => items,
        ListOrCommas::Commas(text) => text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// Which backend counts requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// governor, in this process only.
    #[default]
    Memory,
    /// Redis, shared by every instance.
    Redis,
    /// governor in front of Redis: floods are refused without a round trip.
    Layered,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Memory => "memory",
            BackendKind::Redis => "redis",
            BackendKind::Layered => "layered",
        }
    }
}

/// What to do while Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailMode {
    /// Enforce this instance's share of every limit in process.
    #[default]
    Local,
    /// Let every request through.
    Open,
    /// Refuse every limited request with 503.
    Closed,
}
