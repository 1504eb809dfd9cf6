//! Rate limits over HTTP: the client's address, and the `RateLimit-*` headers of
//! whatever decision a handler reported, on allowed and refused responses alike.

use std::{
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use poem::{Endpoint, IntoResponse, Request, Response, Result, http::HeaderValue};

use crate::{
    domain::{Error, Tenant, tokens::Caller},
    ratelimit::{Decision, RateLimits},
};

pub const RETRY_AFTER: &str = "retry-after";
pub const LIMIT: &str = "ratelimit-limit";
pub const REMAINING: &str = "ratelimit-remaining";
pub const RESET: &str = "ratelimit-reset";
/// Seconds a client is told to wait (`Retry-After`) when the service sheds a
/// request or cannot reach what it needs.
pub const RETRY_SHORTLY_SECS: u32 = 1;

/// The decision a handler reports for its response, placed by [`headers`].
#[derive(Clone, Default)]
struct Reported(Arc<Mutex<Option<Decision>>>);

/// The header values of a refusal, for the 429 variants of every surface.
#[derive(Debug, Clone, Copy)]
pub struct Refused {
    pub retry_after: u64,
    pub limit: u32,
    pub remaining: u32,
    pub reset: u64,
}

impl From<Decision> for Refused {
    fn from(decision: Decision) -> Self {
        Self {
            retry_after: whole_seconds(decision.retry_after).max(1),
            limit: decision.limit,
            remaining: decision.remaining,
            reset: whole_seconds(decision.reset_after),
        }
    }
}

/// Rounds up, so a client that waits as told is not refused again.
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// The address limits count against; see `rate_limit.trusted_proxies`.
pub fn client_ip(req: &Request, limits: &RateLimits) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |addr| addr.ip());
    // Every header line, in order: a proxy may add its own line rather than
    // extend the client's.
    let forwarded_for: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let forwarded_for = forwarded_for.join(",");
    limits.client_ip(
        peer,
        Some(forwarded_for.as_str()).filter(|hops| !hops.is_empty()),
    )
}

/// Records the decision behind this request's answer.
pub fn report(req: &Request, decision: Option<Decision>) {
    if let (Some(reported), Some(decision)) = (req.extensions().get::<Reported>(), decision) {
        *reported.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(decision);
    }
}

/// The limit of the protected creation surfaces, per token subject.
pub async fn creation(
    limits: &RateLimits,
    req: &Request,
    caller: &Caller,
    tenant: &Tenant,
) -> Result<(), Error> {
    report(req, limits.creation(tenant, &caller.subject()).await?);
    Ok(())
}

/// Middleware: adds the reported decision's headers where the response lacks them.
pub async fn headers<E: Endpoint>(ep: Arc<E>, mut req: Request) -> Result<Response> {
    let reported = Reported::default();
    req.extensions_mut().insert(reported.clone());
    let mut resp = ep.get_response(req).await.into_response();
    let decision = *reported.0.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(decision) = decision {
        let refused = Refused::from(decision);
        let headers = resp.headers_mut();
        let mut set = |name: &'static str, value: u64| {
            if !headers.contains_key(name) {
                headers.insert(name, HeaderValue::from(value));
            }
        };
        set(LIMIT, u64::from(refused.limit));
        set(REMAINING, u64::from(refused.remaining));
        set(RESET, refused.reset);
        if !decision.allowed {
            set(RETRY_AFTER, refused.retry_after);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
        assert_eq!(whole_seconds(Duration::ZERO), 0);
        let refused = Refused::from(Decision {
            allowed: false,
            limit: 3,
            remaining: 0,
            reset_after: Duration::from_millis(59_500),
            retry_after: Duration::ZERO,
        });
        assert_eq!((refused.retry_after, refused.reset), (1, 60));
    }
}
