//! HTTP surfaces. Each surface owns its routes, its request and response types and
//! the mapping of domain errors to its own error format.

pub mod account;
pub mod admin;
pub mod bearer;
pub mod body_limit;
pub mod docs;
pub mod documented;
pub mod edge_answer;
pub mod health;
pub mod idempotency;
pub mod json_body;
pub mod json_string;
pub mod manage;
pub mod metrics;
pub mod middleware;
pub mod oauth;
pub mod problem;
pub mod rate_limit;
pub mod scalar_type;
pub mod signup;
pub mod sso;
pub mod surfaces;
pub mod trailing_slash;
pub mod v2_fields;

use poem::{Endpoint, EndpointExt, Route};

use crate::context::AppContext;

/// Every surface's name and OpenAPI document, as `openapi export` writes them.
pub fn specs() -> Vec<(&'static str, String)> {
    surfaces::SURFACES
        .iter()
        .map(|surface| (surface.name, (surface.document)()))
        .collect()
}

/// The whole HTTP application: every surface of [`surfaces::SURFACES`], the
/// `/docs` index, the operational routes, and the layers in front of them.
pub fn app(ctx: AppContext) -> impl Endpoint {
    metrics::install();
    let route = surfaces::SURFACES
        .iter()
        .fold(Route::new(), |route, surface| (surface.mount)(route));
    route
        .at("/", docs::home)
        .at("/docs", docs::index)
        .at("/docs/", docs::index)
        .at("/healthz", health::healthz)
        .at("/readyz", health::readyz)
        .at("/metrics", metrics::scrape)
        .around(idempotency::replay)
        .data(ctx)
        .around(rate_limit::headers)
        .around(body_limit::limit)
        .around(middleware::request_context)
}
