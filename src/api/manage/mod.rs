//! The tenant management surface (`/manage/v1/...`), for a tenant's admins and its
//! backend; every operation is scoped to the caller's tenant. Errors are RFC 9457
//! problem details.

mod audit;
mod fields;
mod import;
mod invites;
mod policy;
mod promos;
mod shared;
mod tags;
mod versions;

use audit::AuditApi;
use fields::FieldsApi;
use import::ImportApi;
use invites::InvitesApi;
use poem_openapi::OpenApiService;
use policy::PolicyApi;
use promos::PromosApi;
use tags::TagsApi;

use super::{
    problem,
    surfaces::{self, Surface},
};

pub const NAME: &str = "manage";

pub const SURFACE: Surface = Surface {
    name: NAME,
    purpose: "Tenant management: policy, invite and promo codes, tags, custom fields and the audit trail.",
    prefixes: &["/manage/"],
    document: || service().spec(),
    mount: |route| {
        let route = route.nest_no_strip("/manage", service());
        surfaces::with_docs(route, NAME, service(), true)
    },
    edge_answer: problem::errors::edge_answer,
};

/// The resources, in the order the document lists them.
type Resources = (
    PolicyApi,
    InvitesApi,
    PromosApi,
    TagsApi,
    FieldsApi,
    AuditApi,
    ImportApi,
);

pub fn service() -> OpenApiService<Resources, ()> {
    OpenApiService::new(
        (
            PolicyApi,
            InvitesApi,
            PromosApi,
            TagsApi,
            FieldsApi,
            AuditApi,
            ImportApi,
        ),
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
