//! The community API v2 SSO surface (seed 002): `POST /api/v2/sso/signup/` creates
//! users a tenant knows by its own external id, and `POST /api/v2/sso/token/`
//! gives the tenant's backend a token pair for one of them. Errors are RFC 9457
//! problem details.

mod requests;
mod routes;
mod types;

use poem_openapi::OpenApiService;
pub use routes::SsoApi;

pub const NAME: &str = "sso";

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
