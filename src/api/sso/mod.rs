//! The community API v2 SSO surface (its API document): `POST /api/v2/sso/signup/` creates
//! users a tenant knows by its own external id, and `POST /api/v2/sso/token/`
//! gives the tenant's backend a token pair for one of them. Errors are RFC 9457
//! problem details.

mod requests;
mod routes;
mod types;

use poem_openapi::OpenApiService;

use super::{
    problem,
    surfaces::{self, Surface},
    trailing_slash,
};
pub use routes::SsoApi;

pub const NAME: &str = "sso";

pub const SURFACE: Surface = Surface {
    name: NAME,
    purpose: "Community API v2 SSO: register users your backend authenticates, and get their tokens.",
    prefixes: &["/api/v2/sso/"],
    document: || service().spec(),
    mount: |route| {
        let route = route.nest_no_strip("/api/v2/sso", trailing_slash::optional(service()));
        surfaces::with_docs(route, NAME, service(), true)
    },
    edge_answer: problem::errors::edge_answer,
};

pub fn service() -> OpenApiService<SsoApi, ()> {
    OpenApiService::new(
        SsoApi,
        "Portcullis community API v2: SSO",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Register users your backend already authenticates, and obtain tokens for them. \
         Authenticate with a bearer token from `/oauth/token`: a tenant admin's token, or \
         the tenant's client_credentials token with `users:write` (the only kind that may \
         ask for a user's tokens). Errors are `application/problem+json`.",
    )
}
