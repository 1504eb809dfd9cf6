//! The community API v2 account surface, `POST /api/v2/account/create/` (both
//! editions of its API document): a tenant admin registers users, with invite and promo codes and the
//! tenant's custom fields. Errors are RFC 9457 problem details.

mod requests;
mod routes;
mod tenant_spec;
mod types;

use poem_openapi::OpenApiService;

use super::{
    problem,
    surfaces::{self, Surface},
    trailing_slash,
};
pub use routes::AccountApi;
pub use tenant_spec::openapi_json;

pub const NAME: &str = "account";

pub const SURFACE: Surface = Surface {
    name: NAME,
    purpose: "Community API v2 accounts: a backend creates accounts, with the tenant's custom fields.",
    prefixes: &["/api/v2/account/"],
    document: || service().spec(),
    mount: |route| {
        let route = route
            .nest_no_strip("/api/v2/account", trailing_slash::optional(service()))
            .at(format!("/docs/{NAME}/openapi.json"), openapi_json);
        surfaces::with_docs(route, NAME, service(), false)
    },
    edge_answer: problem::errors::edge_answer,
};

pub fn service() -> OpenApiService<AccountApi, ()> {
    OpenApiService::new(
        AccountApi,
        "Portcullis community API v2: accounts",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Create user accounts in your tenant. Authenticate with a bearer token from \
         `/oauth/token`: a tenant admin's token, or the tenant's client_credentials token \
         with `users:write`. Errors are `application/problem+json` with an `errors` array \
         naming each field.",
    )
}
