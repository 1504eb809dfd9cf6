//! The public sign-up surface, `POST /sign-up` (the public sign-up API document), with Rails-style errors.

mod cors;
mod errors;
use errors::edge_answer;
mod routes;
mod types;

pub use cors::with_cors;
use poem_openapi::OpenApiService;

use super::surfaces::{self, Surface};
pub use routes::SignupApi;

pub const NAME: &str = "signup";

pub const SURFACE: Surface = Surface {
    name: NAME,
    purpose: "Public sign-up: an app registers its users with its client_id (Rails-style errors).",
    prefixes: &["/sign-up"],
    document: || service().spec(),
    mount: |route| {
        let route = route.nest_no_strip("/sign-up", with_cors(service()));
        surfaces::with_docs(route, NAME, service(), true)
    },
    edge_answer,
};

pub fn service() -> OpenApiService<SignupApi, ()> {
    OpenApiService::new(
        SignupApi,
        "Portcullis public sign-up API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Register users of your app with its `client_id`. Usernames are unique within \
             the client_id's namespace. Errors use the Rails convention \
             `{\"errors\": {\"field\": [\"message\"]}}`.",
    )
}
