//! The tenant management surface (`/manage/v1/...`), for a tenant's admins and its
//! backend; every operation is scoped to the caller's tenant. Errors are RFC 9457
//! problem details.

mod audit;
mod catalog;
mod codes;
mod routes;
mod types;
mod versions;

use audit::AuditApi;
use catalog::CatalogApi;
use codes::CodesApi;
use poem_openapi::OpenApiService;
pub use routes::ManageApi;

pub const NAME: &str = "manage";

pub fn service() -> OpenApiService<(ManageApi, CodesApi, CatalogApi, AuditApi), ()> {
    OpenApiService::new(
        (ManageApi, CodesApi, CatalogApi, AuditApi),
        "Portcullis tenant management API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Manage your tenant: its policy, invite and promo codes, tags and custom user \
             fields, and read its audit trail. Authenticate with a bearer token from `/oauth/token`: a tenant \
             admin's token, or the tenant's client_credentials token with the \
             `tenant:manage` scope. Errors are `application/problem+json`.",
    )
}
