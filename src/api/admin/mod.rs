//! The admin surface (`/admin/users/...`), wire-compatible with the FastAPI app it
//! replaces: same paths, operation ids, schema names, and pydantic's validation
//! errors. A tenant admin's bearer token (or the tenant's client_credentials token
//! with `users:read` / `users:write`) names the tenant.

mod body;
mod email_validator;
mod errors;
use errors::edge_answer;
mod params;
mod pydantic;
mod python_json;
mod requests;
mod routes;
mod types;

use poem_openapi::OpenApiService;

use super::{
    surfaces::{self, Surface},
    trailing_slash,
};
pub use routes::AdminApi;

pub const NAME: &str = "admin";

pub const SURFACE: Surface = Surface {
    name: NAME,
    purpose: "Admin API: list, create, read, change and delete users, as the FastAPI original does.",
    prefixes: &["/admin/"],
    document: || service().spec(),
    mount: |route| {
        let route = route.nest_no_strip("/admin", trailing_slash::optional(service()));
        surfaces::with_docs(route, NAME, service(), true)
    },
    edge_answer,
};

pub fn service() -> OpenApiService<AdminApi, ()> {
    OpenApiService::new(AdminApi, "Portcullis admin API", env!("CARGO_PKG_VERSION")).description(
        "Administer your tenant's users, compatible with clients of the FastAPI original. \
         Authenticate with a bearer token from `/oauth/token`: a tenant admin's token, or \
         the tenant's client_credentials token with `users:read` (reads) or `users:write` \
         (changes).",
    )
}
