//! The named policies and what each surface asks of them: quotas come from
//! configuration, overridden per tenant by its policy's `rate_limits`.

use std::{net::IpAddr, sync::Arc, time::Duration};

use super::RateLimitConfig;
use super::{
    Decision, FailMode, Key, Quota, RateLimiter, Unavailable,
    backend::{Limiter, LimiterState},
    trusted_proxies::{self, TrustedProxies},
};
use crate::domain::values::{Clock, Tenant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyName {
    /// `POST /sign-up` per client IP.
    SignUpPerIp,
    /// `POST /sign-up` per tenant, all IPs together.
    SignUpPerTenant,
    /// The protected creation surfaces per token subject.
    CreatePerSubject,
    /// `POST /oauth/token` per client.
    TokenPerClient,
    /// `POST /oauth/token` per client IP.
    TokenPerIp,
    /// Failed password grants per (tenant, username).
    LoginFailures,
    /// The lock a username gets once its failures reach the limit.
    LoginLockout,
    /// A tenant's own API document, per client IP.
    DocsPerIp,
}

impl PolicyName {
    /// The policies a tenant can override, by their configuration names
    /// (`token_per_ip` is decided before the tenant is known).
    pub const CONFIGURABLE: [PolicyName; 5] = [
        PolicyName::SignUpPerIp,
        PolicyName::SignUpPerTenant,
        PolicyName::CreatePerSubject,
        PolicyName::TokenPerClient,
        PolicyName::LoginFailures,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyName::SignUpPerIp => "sign_up_per_ip",
            PolicyName::SignUpPerTenant => "sign_up_per_tenant",
            PolicyName::CreatePerSubject => "create_per_subject",
            PolicyName::TokenPerClient => "token_per_client",
            PolicyName::TokenPerIp => "token_per_ip",
            PolicyName::LoginFailures => "login_failures",
            PolicyName::LoginLockout => "login_lockout",
            PolicyName::DocsPerIp => "docs_per_ip",
        }
    }

    pub fn configurable(name: &str) -> Option<Self> {
        Self::CONFIGURABLE.into_iter().find(|p| p.as_str() == name)
    }
}

/// Why a request may not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Over a limit: 429 with the decision's headers.
    Limited(Decision),
    /// Redis is away and `fail_mode = "closed"`: 503.
    Unavailable,
}

impl From<Unavailable> for Refusal {
    fn from(_: Unavailable) -> Self {
        Refusal::Unavailable
    }
}

/// What a surface gets back: the decision to report in `RateLimit-*` headers,
/// when a policy applied.
pub type Verdict = Result<Option<Decision>, Refusal>;

#[derive(Clone)]
pub struct RateLimits {
    limiter: Limiter,
    config: Arc<RateLimitConfig>,
    proxies: Arc<TrustedProxies>,
}

impl RateLimits {
    pub fn new(
        settings: &RateLimitConfig,
        redis_url: &str,
        clock: Clock,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let proxies = TrustedProxies::parse(&settings.trusted_proxies)?;
        Ok(Self {
            limiter: Limiter::from_config(settings, redis_url, clock)?,
            config: Arc::new(settings.clone()),
            proxies: Arc::new(proxies),
        })
    }

    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        self.proxies.client_ip(peer, forwarded_for)
    }

    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    pub async fn state(&self) -> LimiterState {
        if !self.config.enabled {
            return LimiterState::Disabled;
        }
        self.limiter.state().await
    }

    /// Whether requests are still served while Redis is away.
    pub fn fails_open_or_local(&self) -> bool {
        self.config.fail_mode != FailMode::Closed
    }

    /// The configured quota; off when rate limiting is.
    fn configured(&self, policy: PolicyName) -> Quota {
        if self.config.enabled {
            self.config.policies.quota(policy)
        } else {
            Quota::new(0, 0)
        }
    }

    /// The tenant's own quota for the policy, else the configured one.
    fn quota(&self, tenant: &Tenant, policy: PolicyName) -> Quota {
        match tenant.policy.rate_limits.get(policy.as_str()) {
            Some(quota) if self.config.enabled => *quota,
            _ => self.configured(policy),
        }
    }

    fn count(&self, policy: PolicyName, decision: &'static str) {
        metrics::counter!(
            "portcullis_rate_limit_decisions_total",
            "policy" => policy.as_str(),
            "backend" => self.config.backend.as_str(),
            "decision" => decision,
        )
        .increment(1);
    }

    /// Counts the request against the tenant's policies that are on.
    async fn apply(&self, tenant: &Tenant, policies: &[(PolicyName, String)]) -> Verdict {
        let checks = policies
            .iter()
            .map(|(policy, subject)| {
                let key = Key {
                    policy: *policy,
                    scope: tenant.client_id.as_str().to_owned(),
                    subject: subject.clone(),
                };
                (key, self.quota(tenant, *policy))
            })
            .collect();
        self.check(checks).await
    }

    /// Refused when any check refuses, else the client hears about the tightest.
    async fn check(&self, checks: Vec<(Key, Quota)>) -> Verdict {
        let checks: Vec<(Key, Quota)> = checks
            .into_iter()
            .filter(|(_, quota)| !quota.is_off())
            .collect();
        if checks.is_empty() {
            return Ok(None);
        }
        let decisions = match self.limiter.check_all(&checks).await {
            Ok(decisions) => decisions,
            Err(unavailable) => {
                for (key, _) in &checks {
                    self.count(key.policy, "unavailable");
                }
                return Err(unavailable.into());
            }
        };
        for (decision, (key, _)) in decisions.iter().zip(&checks) {
            self.count(
                key.policy,
                if decision.allowed {
                    "allowed"
                } else {
                    "limited"
                },
            );
        }
        if let Some((refused, (key, _))) = decisions
            .iter()
            .zip(&checks)
            .find(|(decision, _)| !decision.allowed)
        {
            tracing::info!(policy = key.policy.as_str(), "rate limited");
            return Err(Refusal::Limited(*refused));
        }
        Ok(decisions.into_iter().reduce(Decision::tighter))
    }

    /// `POST /sign-up`: per client IP, then per tenant.
    pub async fn sign_up(&self, tenant: &Tenant, ip: IpAddr) -> Verdict {
        let policies = [
            (PolicyName::SignUpPerIp, trusted_proxies::subject(ip)),
            (PolicyName::SignUpPerTenant, String::new()),
        ];
        self.apply(tenant, &policies).await
    }

    /// `POST /sign-up` naming no known tenant: per client address, with the
    /// configured `sign_up_per_ip` quota, so a flood of attempts meets a 429
    /// whatever its bodies say.
    pub async fn sign_up_unknown_tenant(&self, ip: IpAddr) -> Verdict {
        let policy = PolicyName::SignUpPerIp;
        let key = Key {
            policy,
            scope: trusted_proxies::subject(ip),
            subject: String::new(),
        };
        self.check(vec![(key, self.configured(policy))]).await
    }

    /// A protected creation surface, per token subject (a user id or a client id).
    pub async fn creation(&self, tenant: &Tenant, subject: &str) -> Verdict {
        let policies = [(PolicyName::CreatePerSubject, subject.to_owned())];
        self.apply(tenant, &policies).await
    }

    /// `POST /oauth/token` per client address, before the client authenticates,
    /// so failed authentications count too; across tenants (the client is not
    /// known yet), so tenants cannot override it.
    pub async fn token_attempt(&self, ip: IpAddr) -> Verdict {
        self.check(vec![self.token_per_ip(ip)]).await
    }

    /// `POST /oauth/introspect` and `/oauth/revoke` per client address, before
    /// the client authenticates: a reservation with `token_per_ip`'s quota,
    /// in a count of their own, that [`RateLimits::lookup_authenticated`]
    /// gives back, so failed authentications count and a resource server's
    /// own lookups do not.
    pub async fn lookup_attempt(&self, ip: IpAddr) -> Verdict {
        let (key, quota) = self.lookups_per_ip(ip);
        if quota.is_off() {
            return Ok(None);
        }
        let decision = match self.limiter.reserve(&key, quota).await {
            Ok(decision) => decision,
            Err(unavailable) => {
                self.count(key.policy, "unavailable");
                return Err(unavailable.into());
            }
        };
        if decision.allowed {
            self.count(key.policy, "allowed");
            Ok(Some(decision))
        } else {
            self.count(key.policy, "limited");
            Err(Refusal::Limited(decision))
        }
    }

    /// The client of a lookup authenticated: its reservation goes back.
    pub async fn lookup_authenticated(&self, ip: IpAddr) -> Result<(), Unavailable> {
        let (key, quota) = self.lookups_per_ip(ip);
        if quota.is_off() {
            return Ok(());
        }
        self.limiter.refund(&key, quota).await
    }

    fn token_per_ip(&self, ip: IpAddr) -> (Key, Quota) {
        let policy = PolicyName::TokenPerIp;
        let key = Key {
            policy,
            scope: trusted_proxies::subject(ip),
            subject: String::new(),
        };
        (key, self.configured(policy))
    }

    fn lookups_per_ip(&self, ip: IpAddr) -> (Key, Quota) {
        let (mut key, quota) = self.token_per_ip(ip);
        key.subject = "lookups".to_owned();
        (key, quota)
    }

    /// A tenant's own API document (`?client_id=`), built on request, per client
    /// address across tenants.
    pub async fn tenant_document(&self, ip: IpAddr) -> Verdict {
        let policy = PolicyName::DocsPerIp;
        let key = Key {
            policy,
            scope: trusted_proxies::subject(ip),
            subject: String::new(),
        };
        self.check(vec![(key, self.configured(policy))]).await
    }

    /// `POST /oauth/token` per authenticated client.
    pub async fn token(&self, tenant: &Tenant) -> Verdict {
        self.apply(tenant, &[(PolicyName::TokenPerClient, String::new())])
            .await
    }

    fn login_key(tenant: &Tenant, policy: PolicyName, username_key: &str) -> Key {
        Key {
            policy,
            scope: tenant.client_id.as_str().to_owned(),
            subject: username_key.to_owned(),
        }
    }

    /// Admits one password guess for this username to be judged, or refuses it
    /// (`None`) while the name is locked out or has no guess left in the
    /// window. The guess holds one of the name's `login_failures` until its
    /// outcome is known, so at most that many guesses per window are ever
    /// judged, however many arrive at once, on one instance or many. Names that
    /// do not exist are counted the same way, so a refusal says nothing about
    /// existence.
    pub async fn login_attempt(
        &self,
        tenant: &Tenant,
        username_key: &str,
    ) -> Result<Option<LoginAttempt>, Unavailable> {
        let quota = self.quota(tenant, PolicyName::LoginFailures);
        if quota.is_off() {
            return Ok(Some(LoginAttempt { quota, last: false }));
        }
        let lock = Self::login_key(tenant, PolicyName::LoginLockout, username_key);
        if self.limiter.blocked(&lock).await?.is_some() {
            return Ok(None);
        }
        let counter = Self::login_key(tenant, PolicyName::LoginFailures, username_key);
        let decision = self.limiter.reserve(&counter, quota).await?;
        let outcome = if decision.allowed {
            "allowed"
        } else {
            "limited"
        };
        self.count(PolicyName::LoginFailures, outcome);
        Ok(decision.allowed.then_some(LoginAttempt {
            quota,
            last: decision.remaining == 0,
        }))
    }

    /// The guess was right: it gives its reservation back.
    pub async fn login_succeeded(
        &self,
        tenant: &Tenant,
        username_key: &str,
        attempt: LoginAttempt,
    ) -> Result<(), Unavailable> {
        if attempt.quota.is_off() {
            return Ok(());
        }
        let counter = Self::login_key(tenant, PolicyName::LoginFailures, username_key);
        self.limiter.refund(&counter, attempt.quota).await
    }

    /// The guess was wrong and keeps its reservation; the one that took the
    /// last locks the username out for `login_lockout_secs`, after which its
    /// count starts afresh. Says whether it locked.
    pub async fn login_failed(
        &self,
        tenant: &Tenant,
        username_key: &str,
        attempt: LoginAttempt,
    ) -> Result<bool, Unavailable> {
        if attempt.quota.is_off() || !attempt.last {
            return Ok(false);
        }
        tracing::info!(tenant = %tenant.client_id, "login locked out after repeated failures");
        metrics::counter!("portcullis_login_lockouts_total").increment(1);
        let lock = Self::login_key(tenant, PolicyName::LoginLockout, username_key);
        let counter = Self::login_key(tenant, PolicyName::LoginFailures, username_key);
        let duration = Duration::from_secs(u64::from(self.config.policies.login_lockout_secs));
        self.limiter.lock_out(&lock, &counter, duration).await?;
        Ok(true)
    }
}

/// A password guess admitted to be judged (see [`RateLimits::login_attempt`]).
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt {
    quota: Quota,
    /// It took the name's last guess: if it is wrong, the name is locked.
    last: bool,
}
