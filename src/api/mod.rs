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
pub mod problem_failure;
pub mod rate_limit;
pub mod scalar_type;
pub mod signup;
pub mod sso;
pub mod trailing_slash;
pub mod v2_fields;

use poem::{Endpoint, EndpointExt, Route};

use crate::context::AppContext;

/// Every surface's name and OpenAPI document, as `openapi export` writes them.
pub fn specs() -> Vec<(&'static str, String)> {
    vec![
        (signup::NAME, signup::service().spec()),
        (oauth::NAME, oauth::service().spec()),
        (manage::NAME, manage::service().spec()),
        (admin::NAME, admin::service().spec()),
        (account::NAME, account::service().spec()),
        (sso::NAME, sso::service().spec()),
    ]
}

/// The whole HTTP application.
pub fn app(ctx: AppContext) -> impl Endpoint {
    metrics::install();
    let signup = signup::service();
    let oauth = oauth::service();
    let manage = manage::service();
    let admin = admin::service();
    let account = account::service();
    let sso = sso::service();
    Route::new()
        .nest_no_strip("/api/v2/sso", trailing_slash::optional(sso::service()))
        .nest_no_strip(
            "/api/v2/account",
            trailing_slash::optional(account::service()),
        )
        .nest_no_strip("/admin", trailing_slash::optional(admin::service()))
        .nest_no_strip("/manage", manage::service())
        .nest_no_strip("/sign-up", signup::with_cors(signup::service()))
        .nest_no_strip("/oauth", oauth::with_no_store(oauth::service()))
        .nest_no_strip("/.well-known", oauth::service())
        .at(
            format!("/docs/{}/openapi.json", signup::NAME),
            signup.spec_endpoint(),
        )
        .nest(format!("/docs/{}", signup::NAME), signup.swagger_ui())
        .at(
            format!("/docs/{}/openapi.json", oauth::NAME),
            oauth.spec_endpoint(),
        )
        .nest(format!("/docs/{}", oauth::NAME), oauth.swagger_ui())
        .at(
            format!("/docs/{}/openapi.json", manage::NAME),
            manage.spec_endpoint(),
        )
        .nest(format!("/docs/{}", manage::NAME), manage.swagger_ui())
        .at(
            format!("/docs/{}/openapi.json", admin::NAME),
            admin.spec_endpoint(),
        )
        .nest(format!("/docs/{}", admin::NAME), admin.swagger_ui())
        .at(
            format!("/docs/{}/openapi.json", account::NAME),
            account::openapi_json,
        )
        .nest(format!("/docs/{}", account::NAME), account.swagger_ui())
        .at(
            format!("/docs/{}/openapi.json", sso::NAME),
            sso.spec_endpoint(),
        )
        .nest(format!("/docs/{}", sso::NAME), sso.swagger_ui())
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
